// RunColours: one colour per run, the same in every chart and in the tables. Unclipped runs that change
// nothing else (clip "none", no per-run options: the baseline that explodes) take reds, every other run
// a colour from a palette without red, in the order of the runs, so remedies that are also unclipped
// (another cell, optimizer or learning rate) are not mistaken for the baseline.
using Engine.Training.Experiments;
using ScottPlot;

namespace Engine.Training.Reports;

public sealed class RunColours
{
    private static readonly string[] Unclipped = ["#d62728", "#e377c2", "#8c1d1d", "#ff9896"];
    private static readonly string[] Others = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#bcbd22", "#7f7f7f"];

    private readonly Dictionary<string, Color> colours = new();

    public RunColours(ComparisonRecord record)
    {
        int red = 0, other = 0;
        foreach (var group in record.Groups)
            colours[group.Name] = Color.FromHex(group.Clip == "none" && group.Seeds[0].Overrides.Length == 0 ? Unclipped[red++ % Unclipped.Length] : Others[other++ % Others.Length]);
    }

    public Color Of(string run) => colours.TryGetValue(run, out var c) ? c : throw new KeyNotFoundException($"no colour for run '{run}'");
}
