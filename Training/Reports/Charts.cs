// Charts: every chart of a comparison report, drawn with ScottPlot. One definition per chart; the
// report writes each as PNG and SVG files and embeds the SVG in report.html. Runs keep one colour in
// every chart; a diverged run's line stops at its divergence step, which is marked.
using Engine.Training.Experiments;
using ScottPlot;

namespace Engine.Training.Reports;

public static class Charts
{
    public const int Width = 800, Height = 360;

    private static readonly string[] Palette = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

    public static Color ColorOf(int run) => Color.FromHex(Palette[run % Palette.Length]);

    /// <summary>Training loss per run, with validation losses as markers.</summary>
    public static Plot Loss(ComparisonRecord record)
    {
        var plot = New("Training loss per run", "step", "loss (nats)");
        for (int r = 0; r < record.Runs.Count; r++)
        {
            var run = record.Runs[r];
            Line(plot, run.Steps.Select(s => ((double)s.Step, s.Loss)), ColorOf(r), run.Name);
            var validation = run.Steps.Where(s => s.ValidationLoss is not null).Select(s => ((double)s.Step, s.ValidationLoss!.Value)).ToList();
            if (validation.Count > 0)
            {
                var points = plot.Add.ScatterPoints(validation.Select(v => v.Item1).ToArray(), validation.Select(v => v.Item2).ToArray(), ColorOf(r));
                points.MarkerSize = 8;
                points.MarkerShape = MarkerShape.FilledDiamond;
                points.LegendText = run.Name + " (validation)";
            }
            MarkDivergence(plot, run, ColorOf(r));
        }
        return plot;
    }

    /// <summary>Pre-clip global gradient norm per run on a log scale, with each run's threshold drawn.</summary>
    public static Plot GradientNorm(ComparisonRecord record)
    {
        var plot = New("Gradient norm before clipping (log scale)", "step", "||g|| (log10)");
        for (int r = 0; r < record.Runs.Count; r++)
        {
            var run = record.Runs[r];
            Line(plot, run.Steps.Where(s => s.PreClipNorm > 0 && double.IsFinite(s.PreClipNorm)).Select(s => ((double)s.Step, Math.Log10(s.PreClipNorm))), ColorOf(r), run.Name);
            var adaptive = run.Steps.Where(s => s.Threshold is > 0).Select(s => ((double)s.Step, Math.Log10(s.Threshold!.Value))).ToList();
            bool varying = adaptive.Select(a => a.Item2).Distinct().Count() > 1;
            if (varying) Line(plot, adaptive, ColorOf(r).WithAlpha(0.6), run.Name + " threshold", dashed: true);
            else if (adaptive.Count > 0)
            {
                var line = plot.Add.HorizontalLine(adaptive[0].Item2, 1.5f, ColorOf(r), LinePattern.Dashed);
                line.LegendText = $"{run.Name} threshold {Math.Pow(10, adaptive[0].Item2):G3}";
            }
            MarkDivergence(plot, run, ColorOf(r));
        }
        LogTicks(plot);
        return plot;
    }

    /// <summary>The scale the clip stage applied at each step, and the running fraction of steps clipped.</summary>
    public static Plot Clipping(ComparisonRecord record)
    {
        var plot = New("Clip scale per step (dots) and fraction of steps clipped so far (line)", "step", "scale / fraction");
        for (int r = 0; r < record.Runs.Count; r++)
        {
            var run = record.Runs[r];
            var scales = run.Steps.Where(s => double.IsFinite(s.Scale)).ToList();
            if (scales.Count > 0)
            {
                var dots = plot.Add.ScatterPoints(scales.Select(s => (double)s.Step).ToArray(), scales.Select(s => s.Scale).ToArray(), ColorOf(r).WithAlpha(0.5));
                dots.MarkerSize = 3;
                dots.LegendText = run.Name + " scale";
            }
            int clipped = 0;
            Line(plot, run.Steps.Select((s, i) => ((double)s.Step, (clipped += s.Clipped ? 1 : 0) / (double)(i + 1))), ColorOf(r), run.Name + " fraction clipped");
        }
        plot.Axes.SetLimitsY(-0.05, 1.1);
        return plot;
    }

    /// <summary>||dL/dh_t|| of the last layer over (training step, time step), log colour scale.</summary>
    public static Plot HiddenNorms(RunRecord run)
    {
        var plot = New($"||dL/dh_t|| over training ({run.Name}, last layer, log10)", "time step t", "training step (sample)");
        var samples = run.HiddenNorms;
        if (samples.Count == 0) return plot;
        int steps = samples[0].ByLayerAndTime[^1].Length;
        var data = new double[samples.Count, steps];
        for (int i = 0; i < samples.Count; i++)
            for (int t = 0; t < steps; t++)
            {
                double v = samples[i].ByLayerAndTime[^1][t];
                data[samples.Count - 1 - i, t] = v > 0 && double.IsFinite(v) ? Math.Log10(v) : double.NaN;
            }
        var map = plot.Add.Heatmap(data);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.Extent = new CoordinateRect(0, steps, samples[0].Step, samples[^1].Step);
        plot.Add.ColorBar(map);
        return plot;
    }

    /// <summary>Final loss against threshold for a sweep (log x); diverged runs are drawn at the top, crossed.</summary>
    public static Plot Sweep(ComparisonRecord record)
    {
        var plot = New($"Final loss against {record.SweepKind} threshold", "threshold (log10)", "final loss");
        var ok = record.Sweep.Where(p => !p.Diverged && p.FinalLoss is { } l && double.IsFinite(l)).ToList();
        Line(plot, ok.Select(p => (Math.Log10(p.Threshold), p.FinalLoss!.Value)), ColorOf(1), "final loss", markers: true);
        var failed = record.Sweep.Where(p => p.Diverged).ToList();
        if (failed.Count > 0)
        {
            double top = ok.Count == 0 ? 1 : ok.Max(p => p.FinalLoss!.Value) * 1.1;
            var crosses = plot.Add.ScatterPoints(failed.Select(p => Math.Log10(p.Threshold)).ToArray(), failed.Select(_ => top).ToArray(), ColorOf(0));
            crosses.MarkerShape = MarkerShape.Cross;
            crosses.MarkerSize = 12;
            crosses.LegendText = "diverged";
        }
        plot.Axes.Bottom.TickGenerator = LogTickGenerator();
        plot.ShowLegend(Alignment.LowerLeft); // the largest thresholds, often diverged, sit at the upper right
        return plot;
    }

    private static Plot New(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static void Line(Plot plot, IEnumerable<(double X, double Y)> points, Color color, string label, bool dashed = false, bool markers = false)
    {
        var list = points.Where(p => double.IsFinite(p.Y)).ToList();
        if (list.Count == 0) return;
        var line = plot.Add.Scatter(list.Select(p => p.X).ToArray(), list.Select(p => p.Y).ToArray(), color);
        line.LegendText = label;
        line.LineWidth = 1.6f;
        line.MarkerSize = markers ? 7 : 0;
        if (dashed) line.LinePattern = LinePattern.Dashed;
    }

    private static void MarkDivergence(Plot plot, RunRecord run, Color color)
    {
        if (run.DivergedAtStep is not { } step) return;
        var mark = plot.Add.VerticalLine(step, 1.5f, color, LinePattern.Dotted);
        mark.LegendText = $"{run.Name} diverged (step {step})";
    }

    private static void LogTicks(Plot plot) => plot.Axes.Left.TickGenerator = LogTickGenerator();

    private static ScottPlot.TickGenerators.NumericAutomatic LogTickGenerator() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Math.Pow(10, v).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
    };
}
