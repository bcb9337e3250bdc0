// `compare`: the main job. Paired runs from one seed that differ only in their clip stage (a preset,
// user-defined --run name=clip-spec, or a --sweep of thresholds), then a report directory with
// report.html, PNG/SVG charts and summary.json, and a short table in the terminal.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Training.Clipping;
using Engine.Training.Experiments;
using Engine.Training.Reports;
using Spectre.Console;

namespace Engine.Training.Cli;

public static class CompareCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "explode, temporal-order, adding or lstm-vs-rnn", DefaultValueFactory = _ => "explode" };
        var runs = new Option<string[]>("--run") { Description = "a run as name=clip-spec (repeatable); replaces the preset's runs", AllowMultipleArgumentsPerToken = false };
        var sweep = new Option<string?>("--sweep") { Description = "one run per threshold, e.g. norm:0.1,0.5,1,5,25" };
        var steps = new Option<int?>("--steps") { Description = "training steps per run (default: the preset's)" };
        var seed = new Option<ulong?>("--seed") { Description = "seed shared by every run (default: the preset's)" };
        var lr = new Option<float?>("--lr") { Description = "learning rate of every run (default: the preset's)" };
        var taskSteps = new Option<int?>("--task-steps") { Description = "sequence length of a synthetic task (default: the preset's)" };
        var output = new Option<string>("--out") { Description = "report directory", DefaultValueFactory = _ => "runs/compare" };
        var command = new Command("compare", "Reproduce exploding gradients and compare clipped with unclipped runs, with a report");
        foreach (var o in new Option[] { preset, runs, sweep, steps, seed, lr, taskSteps, output }) command.Options.Add(o);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            var chosen = ExperimentPreset.Get(r.GetValue(preset)!);
            var config = chosen.Base with
            {
                Steps = r.GetValue(steps) ?? chosen.Base.Steps,
                Seed = r.GetValue(seed) ?? chosen.Base.Seed,
                LearningRate = r.GetValue(lr) ?? chosen.Base.LearningRate,
            };
            chosen = chosen with { Base = config, TaskSteps = r.GetValue(taskSteps) ?? chosen.TaskSteps };
            config.Validate();
            string? sweepKind = null;
            IReadOnlyList<RunSpec> plan = chosen.Runs;
            if (r.GetValue(sweep) is { } s) (sweepKind, plan) = Sweep(s);
            else if (r.GetValue(runs) is { Length: > 0 } given) plan = given.Select(ParseRun).ToList();
            return Run(chosen, plan, sweepKind, r.GetValue(output)!);
        }));
        return command;
    }

    private static int Run(ExperimentPreset preset, IReadOnlyList<RunSpec> plan, string? sweepKind, string directory)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"compare '{preset.Name}': {preset.Description}");
        var record = new ComparisonRunner(preset, Console.WriteLine).Run(plan, sweepKind);
        string report = ReportWriter.Write(record, directory);
        AnsiConsole.Write(ComparisonTable.TerminalTable(record));
        if (record.Advice is { } advice)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"suggested threshold: {advice.Threshold:G3} ({advice.Reason})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report: {Path.GetFullPath(report)} ({clock.Elapsed.TotalSeconds:F0} s)"));
        return 0;
    }

    /// <summary>"name=clip-spec", the spec checked now so a typo fails before any training.</summary>
    public static RunSpec ParseRun(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1) throw new ArgumentException($"--run '{text}' is not name=clip-spec (e.g. clipped=norm:1)");
        string spec = ClipSpec.Parse(text[(eq + 1)..]).ToString();
        return new RunSpec(text[..eq], spec);
    }

    /// <summary>"kind:t1,t2,..." into one run per threshold, named by its spec.</summary>
    public static (string Kind, IReadOnlyList<RunSpec> Runs) Sweep(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0) throw new ArgumentException($"--sweep '{text}' is not kind:t1,t2,... (e.g. norm:0.1,0.5,1,5,25)");
        string kind = text[..colon];
        var runs = text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => ClipSpec.Parse($"{kind}:{t.Trim()}").ToString())
            .Select(spec => new RunSpec(spec, spec)).ToList();
        if (runs.Count == 0) throw new ArgumentException($"--sweep '{text}' lists no thresholds");
        return (kind, runs);
    }
}
