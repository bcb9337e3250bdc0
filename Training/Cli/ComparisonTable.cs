// ComparisonTable: the short table `compare` prints in the terminal (the report has the full one).
using System.Globalization;
using Engine.Training.Experiments;
using Spectre.Console;

namespace Engine.Training.Cli;

public static class ComparisonTable
{
    /// <summary>The short table printed at the end of `compare`.</summary>
    public static Table TerminalTable(ComparisonRecord record)
    {
        var table = new Table().AddColumns("run", "clip", "final loss", "validation / accuracy", "diverged at", "clip rate", "time (s)");
        foreach (var run in record.Runs)
            table.AddRow(
                Markup.Escape(run.Name), Markup.Escape(run.Clip), F(run.FinalTrainLoss),
                run.Accuracy is { } a ? a.ToString("P1", CultureInfo.InvariantCulture) + (run.Solved == true ? " (solved)" : "") : F(run.FinalValidationLoss),
                run.DivergedAtStep is { } d ? $"[red]step {d}[/]" : "[green]no[/]",
                run.ClipRate.ToString("P1", CultureInfo.InvariantCulture), run.Seconds.ToString("F1", CultureInfo.InvariantCulture));
        return table;
    }

    private static string F(double? v) => v is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : "-";
}
