// ComparisonTable: the short table `compare` and `report` print in the terminal, one row per run over
// its seeds (the report has every seed): its verdicts (only all-trained is green), the median and range
// of the final validation loss (accuracy for a task), the median clip rate, spikes and time.
using System.Globalization;
using Engine.Training.Experiments;
using Spectre.Console;

namespace Engine.Training.Cli;

public static class ComparisonTable
{
    public static Table TerminalTable(ComparisonRecord record)
    {
        bool task = record.Runs.Any(r => r.Accuracy is not null);
        var table = new Table().AddColumns("run", "clip", "verdicts", task ? "accuracy" : "final validation", "clipped", "spikes", "time (s)");
        foreach (var g in record.Groups)
        {
            int diverged = g.Count(Verdict.Diverged), notLearned = g.Count(Verdict.DidNotLearn), trained = g.Count(Verdict.Trained);
            var steps = g.Seeds.Select(s => s.DivergedAtStep).OfType<int>().ToList();
            var verdicts = new List<string>();
            if (diverged > 0) verdicts.Add($"[red]{diverged} diverged (step {steps.Min()}{(steps.Max() != steps.Min() ? "-" + steps.Max() : "")})[/]");
            if (notLearned > 0) verdicts.Add($"[yellow]{notLearned} did not learn[/]");
            if (trained > 0) verdicts.Add(trained == g.Seeds.Count ? $"[green]{trained} trained[/]" : $"{trained} trained");
            table.AddRow(
                Markup.Escape(g.Name), Markup.Escape(g.Clip + (g.Seeds[0].Overrides.Length > 0 ? "; " + g.Seeds[0].Overrides : "")),
                $"{string.Join(", ", verdicts)} of {g.Seeds.Count}",
                task ? MedianRange(g.Accuracies.Select(a => a * 100).ToList(), "F1", "%") : MedianRange(g.FinalValidationLosses, "F3", ""),
                g.MedianClipRate.ToString("P1", CultureInfo.InvariantCulture),
                g.Seeds.Sum(s => s.Spikes.Count).ToString(CultureInfo.InvariantCulture),
                g.Seeds.Sum(s => s.Seconds).ToString("F0", CultureInfo.InvariantCulture));
        }
        return table;
    }

    private static string MedianRange(IReadOnlyList<double> v, string format, string unit) => v.Count == 0 ? "-"
        : $"{Statistics.Median(v).ToString(format, CultureInfo.InvariantCulture)}{unit} ({v.Min().ToString(format, CultureInfo.InvariantCulture)}-{v.Max().ToString(format, CultureInfo.InvariantCulture)})";
}
