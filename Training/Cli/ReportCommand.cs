// `report RUN_DIR... [--out DIR]`: draws the report of `compare` (charts, verdicts, spikes, the
// threshold advice, unverified) from finished runs' metrics.jsonl, overlaying several runs, so runs
// trained separately with `train` can be compared after the fact.
using System.CommandLine;
using Engine.Training.Experiments;
using Engine.Training.Reports;
using Spectre.Console;

namespace Engine.Training.Cli;

public static class ReportCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("runs") { Description = "run directories of `train` (or their metrics.jsonl files)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "report directory (default: a fresh runs/report/version_N)" };
        var force = new Option<bool>("--force") { Description = "replace the report in an --out folder that holds an earlier one" };
        var command = new Command("report", "Draw a comparison report from the metrics.jsonl of finished runs");
        command.Arguments.Add(dirs);
        command.Options.Add(output);
        command.Options.Add(force);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            string[] paths = r.GetValue(dirs)!;
            var names = Names(paths);
            var runs = paths.Select((p, i) => MetricsReader.Read(p, names[i])).ToList(); // every file is read before anything is written
            string directory = ReportDirectory.Prepare(r.GetValue(output), r.GetValue(force), "runs/report");
            var record = new ComparisonRecord
            {
                Preset = "report",
                Description = $"{runs.Count} run{(runs.Count == 1 ? "" : "s")} drawn from their metrics.jsonl: " + string.Join(", ", paths),
                Settings = new Dictionary<string, string> { ["runs"] = string.Join(", ", paths) },
            };
            for (int i = 0; i < runs.Count; i++)
            {
                string file = Directory.Exists(paths[i]) ? Path.Combine(paths[i], "metrics.jsonl") : paths[i];
                runs[i].Metrics = Path.GetRelativePath(directory, Path.GetFullPath(file));
                record.Runs.Add(runs[i]);
            }
            record.Advice = ThresholdAdvisor.Advise(record.Runs);
            string report = ReportWriter.Write(record, directory);
            AnsiConsole.Write(ComparisonTable.TerminalTable(record));
            foreach (var line in Story.Tell(record)) Console.WriteLine(line);
            Console.WriteLine($"report: {Path.GetFullPath(report)}");
            return 0;
        }));
        return command;
    }

    /// <summary>Each run is named by its folder; folders of the same name get their parent's name too, then a number.</summary>
    private static List<string> Names(string[] paths)
    {
        string Folder(string p) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory.Exists(p) ? p : Path.GetDirectoryName(Path.GetFullPath(p))!));
        string Parent(string p) => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(Directory.Exists(p) ? Path.TrimEndingDirectorySeparator(p) : Path.GetDirectoryName(Path.GetFullPath(p))!)) ?? "");
        var folders = paths.Select(Folder).ToList();
        var names = folders.Select((n, i) => folders.Count(f => f == n) > 1 ? $"{Parent(paths[i])}/{n}" : n).ToList();
        var used = new HashSet<string>();
        for (int i = 0; i < names.Count; i++)
        {
            string name = names[i];
            for (int k = 2; !used.Add(name); k++) name = $"{names[i]} ({k})";
            names[i] = name;
        }
        return names;
    }
}
