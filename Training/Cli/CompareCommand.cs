// `compare`: the main job. Paired runs over one or more seeds that differ only in what each run
// changes (its clip stage, and any option given per run), on a preset's set-up or the user's own
// (every option of `train` sets the base of all runs), then a report directory with report.html,
// PNG/SVG charts, summary.json and each run's metrics.jsonl, and a short table in the terminal.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Training.Clipping;
using Engine.Training.Experiments;
using Engine.Training.Reports;
using Engine.Training.Trainer;
using Spectre.Console;

namespace Engine.Training.Cli;

public static class CompareCommand
{
    public const string RunSyntax = "name=clip-spec[,option=value...]";

    public static Command Create()
    {
        var options = new TrainOptions();
        var preset = new Option<string>("--preset") { Description = $"{string.Join(", ", ExperimentPreset.Names)}: the base set-up and runs (train's options replace its settings)", DefaultValueFactory = _ => "explode" };
        var runs = new Option<string[]>("--run") { Description = $"a run as {RunSyntax}, e.g. slow=none,lr=0.1 or lstm=norm:1,cell=lstm (repeatable; replaces the preset's runs)", AllowMultipleArgumentsPerToken = false };
        var sweep = new Option<string?>("--sweep") { Description = "one run per threshold, e.g. norm:0.1,0.5,1,5,25" };
        var seeds = new Option<int?>("--seeds") { Description = "run every run with seeds s..s+N-1 (default: the preset's)" };
        var taskSteps = new Option<string?>("--task-steps") { Description = "sequence length of a synthetic task, or several as T1,T2,... to train every run at each (default: the preset's)" };
        var parallel = new Option<int?>("--parallel") { Description = "runs trained at once, each on its own thread (default: the preset's; results do not depend on it)" };
        var output = new Option<string?>("--out") { Description = "report directory (default: a fresh runs/compare/version_N)" };
        var force = new Option<bool>("--force") { Description = "replace the report in an --out folder that holds an earlier one" };
        var command = new Command("compare", "Reproduce exploding gradients and compare clipped with unclipped runs over seeds, with a report");
        foreach (var o in options.All()) command.Options.Add(o);
        foreach (var o in new Option[] { preset, runs, sweep, seeds, taskSteps, parallel, output, force }) command.Options.Add(o);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            var chosen = ExperimentPreset.Get(r.GetValue(preset)!);
            var config = options.ApplyGiven(r, chosen.Base);
            if (options.GivenEpochs(r) is { } epochs) config = chosen.Task is null ? TrainOptions.StepsForEpochs(config, epochs) : throw new ArgumentException("--epochs needs a corpus; a synthetic task counts --steps");
            chosen = WithLengths(chosen, r.GetValue(taskSteps)) with { Base = config, Description = Describe(chosen, options, r, r.GetValue(runs) is { Length: > 0 } || r.GetValue(sweep) is not null) };
            config.Validate();
            string? sweepKind = null;
            IReadOnlyList<RunSpec> plan = chosen.Runs;
            string[] given = r.GetValue(runs) ?? [];
            if (r.GetValue(sweep) is { } s)
            {
                if (given.Length > 0) throw new ArgumentException("give either --run or --sweep, not both");
                (sweepKind, plan) = Sweep(s);
            }
            else if (given.Length > 0) plan = given.Select(ParseRun).ToList();
            int planned = ComparisonRunner.CheckPlan(chosen, plan).Count; // before any folder is made or run trained
            int seedCount = r.GetValue(seeds) ?? chosen.Seeds;
            if (seedCount <= 0) throw new ArgumentException($"seeds must be a positive integer, got {seedCount}");
            int threads = r.GetValue(parallel) ?? chosen.Parallel;
            if (threads <= 0) throw new ArgumentException($"--parallel must be a positive integer, got {threads}");
            string directory = ReportDirectory.Prepare(r.GetValue(output), r.GetValue(force), "runs/compare");
            return Run(chosen, plan, planned, seedCount, sweepKind, directory, threads);
        }));
        return command;
    }

    private static int Run(ExperimentPreset preset, IReadOnlyList<RunSpec> plan, int runs, int seeds, string? sweepKind, string directory, int parallel)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"compare '{preset.Name}': {preset.Description}");
        Console.WriteLine($"{runs} runs x {seeds} seed{(seeds == 1 ? "" : "s")}{(parallel > 1 ? $", {parallel} at a time" : "")}{(preset.Advise ? ", then a run at the suggested threshold (and at half of it while that does not train, 3 tries at most)" : "")}; report in {directory}");
        var record = new ComparisonRunner(preset, directory, Console.WriteLine) { Parallel = parallel }.Run(plan, seeds, sweepKind, preset.Advise);
        string report = ReportWriter.Write(record, directory);
        AnsiConsole.Write(ComparisonTable.TerminalTable(record));
        foreach (var line in Story.Tell(record)) Console.WriteLine(line);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report: {Path.GetFullPath(report)} ({clock.Elapsed.TotalSeconds:F0} s)"));
        return 0;
    }

    /// <summary>
    /// The preset with --task-steps applied: one length replaces the preset's length (or its lengths), several
    /// train every run at each. Refused for a preset on the corpus, and for lengths that are not positive integers.
    /// </summary>
    public static ExperimentPreset WithLengths(ExperimentPreset preset, string? text)
    {
        if (text is null) return preset;
        if (preset.Task is null) throw new ArgumentException($"--task-steps is for a synthetic task; the preset '{preset.Name}' trains on the corpus");
        var lengths = new List<int>();
        foreach (var part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int t) || t <= 0)
                throw new ArgumentException($"--task-steps '{text}': '{part.Trim()}' is not a positive integer");
            if (lengths.Contains(t)) throw new ArgumentException($"--task-steps '{text}': {t} is given twice");
            lengths.Add(t);
        }
        return lengths.Count == 1 ? preset with { TaskSteps = lengths[0], Lengths = null } : preset with { TaskSteps = lengths[0], Lengths = lengths };
    }

    /// <summary>The preset's description, or, once the user changed its set-up or runs, what was changed (the report's settings list every value).</summary>
    private static string Describe(ExperimentPreset preset, TrainOptions options, ParseResult r, bool ownRuns)
    {
        var changed = options.All().Where(o => TrainOptions.Given(r, o)).Select(o => $"{o.Name} {string.Join(" ", r.GetResult(o)!.Tokens.Select(t => t.Value))}".TrimEnd()).ToList();
        if (changed.Count == 0 && !ownRuns) return preset.Description;
        return $"{(ownRuns ? "Your runs" : "The preset's runs")} on the '{preset.Name}' set-up" + (changed.Count > 0 ? $", changed by {string.Join(" ", changed)}" : "");
    }

    /// <summary>
    /// "name=clip-spec[,option=value...]": the clip spec, and any option of `train` for this run alone,
    /// parsed by train's own option definitions (as --option value), all checked now so a typo fails before any training.
    /// </summary>
    public static RunSpec ParseRun(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1) throw new ArgumentException($"--run '{text}' is not {RunSyntax} (e.g. clipped=norm:1 or slow=none,lr=0.1)");
        string name = text[..eq].Trim();
        var parts = text[(eq + 1)..].Split(',');
        string clip = ClipSpec.Parse(parts[0]).ToString();
        var pairs = parts.Skip(1).Select(p => p.Trim()).ToList();
        if (pairs.Count == 0) return new RunSpec(name, clip);
        var tokens = new List<string>();
        foreach (var pair in pairs)
        {
            int at = pair.IndexOf('=');
            if (at <= 0 || at == pair.Length - 1) throw new ArgumentException($"--run '{text}': '{pair}' is not option=value (e.g. lr=0.1)");
            string key = pair[..at].Trim();
            if (key is "clip") throw new ArgumentException($"--run '{text}': the clip is the first item after '=', not an option");
            tokens.Add("--" + key);
            tokens.Add(pair[(at + 1)..].Trim());
        }
        var options = new TrainOptions();
        var parser = new RootCommand();
        foreach (var o in options.All()) parser.Options.Add(o);
        var parsed = parser.Parse(tokens);
        if (parsed.Errors.Count > 0) throw new ArgumentException($"--run '{text}': {CommandLineErrors.OneLine(parsed.Errors[0].Message)}");
        double? epochs = options.GivenEpochs(parsed);
        Func<TrainConfig, TrainConfig> configure = c =>
        {
            var changed = options.ApplyGiven(parsed, c);
            return epochs is { } e ? TrainOptions.StepsForEpochs(changed, e) : changed;
        };
        return new RunSpec(name, clip, configure, string.Join(",", pairs));
    }

    /// <summary>"kind:t1,t2,..." into one run per threshold, named by its spec.</summary>
    public static (string Kind, IReadOnlyList<RunSpec> Runs) Sweep(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0) throw new ArgumentException($"--sweep '{text}' is not kind:t1,t2,... (e.g. norm:0.1,0.5,1,5,25)");
        string kind = text[..colon];
        var runs = text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => ClipSpec.Parse($"{kind}:{t.Trim()}").ToString())
            .Distinct()
            .Select(spec => new RunSpec(spec, spec)).ToList();
        if (runs.Count == 0) throw new ArgumentException($"--sweep '{text}' lists no thresholds");
        return (kind, runs);
    }
}
