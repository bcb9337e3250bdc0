// Charts: every chart of a comparison report, drawn with ScottPlot. One definition per chart; the
// report writes each as PNG and SVG files and embeds the SVG in report.html. A run keeps one colour in
// every chart (RunColours); each seed is a thin line and the median over seeds a thick one; a diverged
// seed stops at its divergence step, which is marked. When a run diverges early (within the first 5%
// of the steps) the step axis is logarithmic, so the first steps are not squashed against the axis.
// Long runs on a linear axis are drawn as means over windows of steps (Window): thousands of noisy
// steps per seed, several seeds and runs, otherwise fill the plot with one blot of colour.
using System.Globalization;
using Engine.Training.Experiments;
using ScottPlot;

namespace Engine.Training.Reports;

public sealed class Charts(ComparisonRecord record)
{
    public const int Width = 900, Height = 380;

    private readonly RunColours colours = new(record);

    public RunColours Colours => colours;

    /// <summary>Whether the step axis is logarithmic: some run diverged within the first 5% of the longest run's steps.</summary>
    public bool LogSteps { get; } = DivergedEarly(record);

    private static bool DivergedEarly(ComparisonRecord record) =>
        record.Runs.Any(r => r.DivergedAtStep is { } d && d <= 0.05 * record.Runs.Max(x => x.Steps[^1].Step));

    /// <summary>Above this many steps (on a linear step axis) lines are drawn as window means.</summary>
    public const int WindowFrom = 1000;

    /// <summary>About how many windows a line of the longest run is drawn with.</summary>
    private const int Windows = 200;

    /// <summary>
    /// Steps per window of the loss, gradient-norm and clip-rate lines: 1 (every step) up to WindowFrom steps
    /// or on a logarithmic axis (where the first steps matter most), else the longest run over Windows.
    /// </summary>
    public int Window { get; } = WindowOf(record);

    private static int WindowOf(ComparisonRecord record)
    {
        int longest = record.Runs.Max(r => r.Steps[^1].Step);
        return DivergedEarly(record) || longest <= WindowFrom ? 1 : (int)Math.Ceiling(longest / (double)Windows);
    }

    /// <summary>The unit in the loss charts' y label: that of each kind of loss the runs measure.</summary>
    private string LossUnit => string.Join(" or ", record.Runs.Select(r => r.Loss).Distinct().Order().Select(Unit));

    private static string Unit(LossKind loss) => loss switch
    {
        LossKind.CrossEntropy => "nats",
        LossKind.SquaredError => "mean squared error",
        _ => throw new UnhandledKindException(loss),
    };

    private double X(int step) => LogSteps ? Math.Log10(step) : step;

    private string StepLabel => LogSteps ? "training step (log scale)" : "training step";

    /// <summary>Training loss per run, with the validation losses (median over seeds) as diamonds.</summary>
    public Plot Loss()
    {
        var plot = New("Training loss per run", StepLabel, $"loss ({LossUnit})");
        foreach (var group in record.Groups)
        {
            var colour = colours.Of(group.Name);
            Seeds(plot, group, colour, group.Name, run => run.Steps.Select(s => (s.Step, s.Loss)));
            var validation = Median(group.Seeds.Select(run => run.Steps.Where(s => s.ValidationLoss is not null).Select(s => (s.Step, s.ValidationLoss!.Value))));
            if (validation.Count > 0)
            {
                var points = plot.Add.ScatterPoints(validation.Select(v => X(v.Step)).ToArray(), validation.Select(v => v.Value).ToArray(), colour);
                points.MarkerSize = 8;
                points.MarkerShape = MarkerShape.FilledDiamond;
                points.LegendText = group.Name + " validation";
            }
            MarkDivergence(plot, group, colour);
        }
        StepTicks(plot);
        return plot;
    }

    /// <summary>Whether every run has validations stamped with their wall-clock time (the learning curve against time can be drawn).</summary>
    public bool HasValidationTime { get; } = record.Runs.Count > 0 && record.Runs.All(r => r.Steps.Count(s => s.ValidationLoss is not null && s.Seconds is not null) >= 2);

    /// <summary>Validation loss against wall-clock minutes since each run's first step: the time-to-quality of runs made on one machine.</summary>
    public Plot ValidationOverTime()
    {
        var plot = New("Validation loss against wall-clock time", "minutes since the first step (validations included)", "validation loss (nats/char)");
        foreach (var group in record.Groups)
        {
            var colour = colours.Of(group.Name);
            for (int i = 0; i < group.Seeds.Count; i++)
            {
                var points = group.Seeds[i].Steps.Where(s => s.ValidationLoss is not null && s.Seconds is not null).Select(s => (s.Seconds!.Value / 60, s.ValidationLoss!.Value));
                string label = group.Seeds.Count == 1 ? group.Name : $"{group.Name} seed {group.Seeds[i].Seed}";
                Line(plot, points, i == 0 ? colour : colour.WithAlpha(0.5), label, 1.6f, markers: true);
            }
        }
        return plot;
    }

    /// <summary>Pre-clip global gradient norm per run on a log scale, each run's threshold dashed, its spikes circled.</summary>
    public Plot GradientNorm()
    {
        var plot = New("Gradient norm before clipping (log scale); circles: spikes", StepLabel, "||g||");
        // Runs clipped at one fixed threshold share one line: several runs' dashes on one level would
        // show only the last run's colour, and the legend would repeat the threshold once per run.
        var thresholds = record.Groups
            .Select(g => (g.Name, Values: g.Seeds[0].Steps.Where(s => s.Threshold is > 0).Select(s => s.Threshold!.Value).Distinct().ToList()))
            .Where(g => g.Values.Count > 0).ToList();
        foreach (var level in thresholds.Where(g => g.Values.Count == 1).GroupBy(g => g.Values[0], g => g.Name))
        {
            var names = level.ToList();
            var colour = names.Count == 1 ? colours.Of(names[0]) : Color.FromHex("#444444");
            var line = plot.Add.HorizontalLine(Math.Log10(level.Key), 1.5f, colour, LinePattern.Dashed);
            string value = level.Key.ToString("G3", CultureInfo.InvariantCulture);
            line.LegendText = names.Count == 1 ? $"{names[0]} threshold {value}" : $"threshold {value} ({SharedBy(names, thresholds.Count)})";
        }
        foreach (var group in record.Groups)
        {
            var colour = colours.Of(group.Name);
            Seeds(plot, group, colour, group.Name, run => run.Steps.Where(s => s.PreClipNorm > 0 && double.IsFinite(s.PreClipNorm)).Select(s => (s.Step, Math.Log10(s.PreClipNorm))));
            var adaptive = group.Seeds[0].Steps.Where(s => s.Threshold is > 0).Select(s => (s.Step, Value: Math.Log10(s.Threshold!.Value))).ToList();
            if (adaptive.Select(a => a.Value).Distinct().Count() > 1) Line(plot, adaptive.Select(a => (X(a.Step), a.Value)), colour.WithAlpha(0.6), group.Name + " threshold", 1.2f, dashed: true);
            var spikes = group.Seeds.SelectMany(run => run.Spikes.Select(sp => run.Steps.First(s => s.Step == sp.Step)))
                .Where(s => s.PreClipNorm > 0 && double.IsFinite(s.PreClipNorm)).ToList();
            if (spikes.Count > 0)
            {
                var circles = plot.Add.ScatterPoints(spikes.Select(s => X(s.Step)).ToArray(), spikes.Select(s => Math.Log10(s.PreClipNorm)).ToArray(), colour);
                circles.MarkerShape = MarkerShape.OpenCircle;
                circles.MarkerSize = 11;
                circles.LegendText = $"{group.Name} spikes ({spikes.Count})";
            }
            MarkDivergence(plot, group, colour);
        }
        plot.Axes.Left.TickGenerator = LogTickGenerator();
        StepTicks(plot);
        return plot;
    }

    /// <summary>Which runs a shared threshold line stands for, short enough for the legend beside the plot.</summary>
    private string SharedBy(List<string> names, int clippedRuns) =>
        names.Count == record.Groups.Count ? "every run"
        : names.Count == clippedRuns ? "every clipped run"
        : names.Count == 2 ? $"{names[0]}, {names[1]}"
        : $"{names.Count} runs";

    /// <summary>The scale the clip stage applied at each step (dots), and the running fraction of steps clipped (lines).</summary>
    public Plot Clipping()
    {
        var plot = New("Clip scale per step (dots) and fraction of steps clipped so far (lines)", StepLabel, "scale / fraction");
        foreach (var group in record.Groups)
        {
            var colour = colours.Of(group.Name);
            var scales = group.Seeds.SelectMany(run => run.Steps).Where(s => double.IsFinite(s.Scale) && s.Scale < 1).ToList();
            if (scales.Count > 0)
            {
                var dots = plot.Add.ScatterPoints(scales.Select(s => X(s.Step)).ToArray(), scales.Select(s => s.Scale).ToArray(), colour.WithAlpha(0.6));
                dots.MarkerSize = 4;
                dots.LegendText = group.Name + " scale (clipped steps)";
            }
            Seeds(plot, group, colour, group.Name + " fraction clipped", run =>
            {
                int clipped = 0;
                return run.Steps.Select((s, i) => (s.Step, (clipped += s.Clipped ? 1 : 0) / (double)(i + 1))).ToList();
            });
        }
        plot.Axes.SetLimitsY(-0.05, 1.1);
        StepTicks(plot);
        return plot;
    }

    /// <summary>
    /// ||dL/dh_t|| of the last layer of one run's first seed over (time step t, training step), log colour
    /// scale. The vertical axis is the real training step: each recorded step's row holds until the next.
    /// </summary>
    public static Plot HiddenNorms(RunRecord run)
    {
        var plot = New($"||dL/dh_t|| of '{run.Name}' (seed {run.Seed}, last layer, log10 colour)", "time step t within the chunk", "training step", legend: false);
        var samples = run.HiddenNorms;
        int first = samples[0].Step, last = samples[^1].Step, times = samples[0].ByLayerAndTime[^1].Length;
        int bin = Math.Max(1, (int)Math.Ceiling((last - first + 1) / 1000.0)); // at most about 1000 rows
        int rows = (last - first) / bin + 1;
        var data = new double[rows, times];
        for (int r = 0; r < rows; r++)
        {
            int step = last - r * bin; // row 0 is drawn at the top: the latest step
            var sample = samples.Last(s => s.Step <= step);
            for (int t = 0; t < times; t++)
            {
                double v = sample.ByLayerAndTime[^1][t];
                data[r, t] = v > 0 && double.IsFinite(v) ? Math.Log10(v) : double.NaN;
            }
        }
        var map = plot.Add.Heatmap(data);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.Extent = new CoordinateRect(0, times, last - (rows - 0.5) * bin, last + 0.5 * bin);
        var bar = plot.Add.ColorBar(map);
        bar.Label = "log10 ||dL/dh_t||";
        return plot;
    }

    /// <summary>
    /// The gradient's reach back through time (GradientReach.ThroughTime): ||dL/dh_t|| over ||dL/dh_{T-1}|| of the
    /// last layer against t, log scale: at the end of training each seed thin and the median over seeds thick,
    /// at the start the median dashed.
    /// </summary>
    public Plot ThroughTime()
    {
        var plot = New("Gradient reaching each time step t, over the last step's", "time step t within the sequence", "||dL/dh_t|| / ||dL/dh_T||");
        Profiles(plot, GradientReach.ThroughTime, t => t);
        plot.Axes.Left.TickGenerator = LogTickGenerator();
        return plot;
    }

    /// <summary>
    /// The gradient's reach down through the stack (GradientReach.ThroughDepth): each layer's mean ||dL/dh|| over the
    /// top layer's, against the layer (1 is the first above the input), log scale, at the end and the start of training.
    /// </summary>
    public Plot ThroughDepth()
    {
        var plot = New("Gradient reaching each layer, over the top layer's", "layer (1: the first above the input)", "mean ||dL/dh|| / top layer's");
        Profiles(plot, GradientReach.ThroughDepth, l => l + 1);
        plot.Axes.Left.TickGenerator = LogTickGenerator();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return plot;
    }

    /// <summary>Whether the runs were trained at several sequence lengths (the success chart has something to show).</summary>
    public bool HasLengths => record.Runs.Select(r => r.TaskSteps).Distinct().Count() > 1;

    /// <summary>
    /// The share of seeds that solved the task (Pascanu et al. 2013's success rate) against the sequence
    /// length, one line per series (a run trained at every length).
    /// </summary>
    public Plot Success()
    {
        var plot = New("Share of seeds that solved the task, per sequence length", "sequence length T", "seeds solved (%)");
        foreach (var series in record.Runs.Where(r => r.TaskSteps is not null).GroupBy(r => r.Series))
        {
            var points = series.GroupBy(r => r.TaskSteps!.Value).OrderBy(g => g.Key)
                .Select(g => ((double)g.Key, 100.0 * g.Count(r => r.Solved == true) / g.Count())).ToList();
            Line(plot, points, colours.Of(series.First().Name), series.Key, 2f, markers: true);
        }
        plot.Axes.SetLimitsY(-5, 105);
        return plot;
    }

    /// <summary>Whether any run recorded norms for more than one layer (the depth chart has something to show).</summary>
    public bool HasDepth => record.Runs.Any(r => GradientReach.ThroughDepth(r) is not null);

    /// <summary>Whether any run has a reach through time (recorded ||dL/dh_t|| with the loss read at the last step only).</summary>
    public bool HasTime => record.Runs.Any(r => GradientReach.ThroughTime(r) is not null);

    private void Profiles(Plot plot, Func<RunRecord, TrainingPhase, double[]?> profile, Func<int, double> x)
    {
        static IEnumerable<(double X, double Y)> Points(IReadOnlyList<double> values, Func<int, double> x) => values.Select((v, i) => (x(i), v > 0 ? Math.Log10(v) : double.NaN));
        static List<double> Median(List<double[]> seeds) =>
            Enumerable.Range(0, seeds.Min(p => p.Length)).Select(i => Statistics.Median(seeds.Select(p => p[i]).ToList())).ToList();
        foreach (var group in record.Groups)
        {
            var colour = colours.Of(group.Name);
            var end = group.Seeds.Select(s => profile(s, TrainingPhase.End)).OfType<double[]>().ToList();
            var start = group.Seeds.Select(s => profile(s, TrainingPhase.Start)).OfType<double[]>().ToList();
            if (end.Count == 0) continue;
            if (end.Count > 1)
                foreach (var p in end) Line(plot, Points(p, x), colour.WithAlpha(0.35), null, 0.8f);
            Line(plot, Points(Median(end), x), colour, end.Count == 1 ? $"{group.Name}, end of training" : $"{group.Name}, end (median of {end.Count} seeds)", 2f);
            Line(plot, Points(Median(start), x), colour.WithAlpha(0.8), $"{group.Name}, start", 1.4f, dashed: true);
        }
    }

    /// <summary>Median final loss against threshold for a sweep (log x); thresholds where every seed diverged are crossed at the top.</summary>
    public Plot Sweep()
    {
        string loss = record.Runs.Any(r => r.Accuracy is not null) ? "training" : "validation";
        var plot = New($"Final {loss} loss (median over seeds that did not diverge) against {record.SweepKind} threshold", "threshold (log scale)", $"final {loss} loss ({LossUnit})");
        var ok = record.Sweep.Where(p => p.FinalLoss is { } l && double.IsFinite(l)).ToList();
        Line(plot, ok.Select(p => (Math.Log10(p.Threshold), p.FinalLoss!.Value)), Color.FromHex("#1f77b4"), "final loss", 1.6f, markers: true);
        var failed = record.Sweep.Where(p => p.FinalLoss is null).ToList();
        if (failed.Count > 0)
        {
            double top = ok.Count == 0 ? 1 : ok.Max(p => p.FinalLoss!.Value) * 1.1;
            var crosses = plot.Add.ScatterPoints(failed.Select(p => Math.Log10(p.Threshold)).ToArray(), failed.Select(_ => top).ToArray(), Color.FromHex("#d62728"));
            crosses.MarkerShape = MarkerShape.Cross;
            crosses.MarkerSize = 12;
            crosses.LegendText = "every seed diverged";
        }
        plot.Axes.Bottom.TickGenerator = LogTickGenerator();
        return plot;
    }

    private static Plot New(string title, string x, string y, bool legend = true)
    {
        var plot = new Plot();
        plot.Title(title, 13);
        plot.XLabel(x, 13);
        plot.YLabel(y, 13);
        if (legend) plot.ShowLegend(Edge.Right); // beside the data, never over it
        return plot;
    }

    /// <summary>
    /// Each seed of a run as a thin line and, with several seeds, their median (over the seeds that reached
    /// each step) as a thick one; each seed's series in window means first (Windowed).
    /// </summary>
    private void Seeds(Plot plot, RunGroup group, Color colour, string label, Func<RunRecord, IEnumerable<(int Step, double Value)>> series)
    {
        if (group.Seeds.Count == 1)
        {
            Line(plot, Windowed(series(group.Seeds[0])).Select(p => (X(p.Step), p.Value)), colour, label, 1.6f);
            return;
        }
        var windowed = group.Seeds.Select(run => Windowed(series(run))).ToList();
        foreach (var points in windowed) Line(plot, points.Select(p => (X(p.Step), p.Value)), colour.WithAlpha(0.35), null, 0.8f);
        Line(plot, Median(windowed).Select(p => (X(p.Step), p.Value)), colour, $"{label} (median of {group.Seeds.Count} seeds)", 2f);
    }

    /// <summary>
    /// The mean of the finite values in each window of Window steps (steps 1..W, W+1..2W, ...), drawn at the
    /// window's end: at its last step W k, or at the run's last step in a window it stopped within. With a
    /// window of one step, the points as they are.
    /// </summary>
    private List<(int Step, double Value)> Windowed(IEnumerable<(int Step, double Value)> points)
    {
        if (Window == 1) return points.ToList();
        return points.Where(p => double.IsFinite(p.Value)).GroupBy(p => (p.Step - 1) / Window)
            .Select(g => (Math.Min((g.Key + 1) * Window, g.Max(p => p.Step)), g.Average(p => p.Value))).ToList();
    }

    private static List<(int Step, double Value)> Median(IEnumerable<IEnumerable<(int Step, double Value)>> seeds) =>
        seeds.SelectMany(s => s).Where(p => double.IsFinite(p.Value)).GroupBy(p => p.Step).OrderBy(g => g.Key)
            .Select(g => (g.Key, Statistics.Median(g.Select(p => p.Value).ToList()))).ToList();

    private static void Line(Plot plot, IEnumerable<(double X, double Y)> points, Color color, string? label, float width, bool dashed = false, bool markers = false)
    {
        var list = points.Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X)).ToList();
        if (list.Count == 0) return;
        var line = plot.Add.Scatter(list.Select(p => p.X).ToArray(), list.Select(p => p.Y).ToArray(), color);
        if (label is not null) line.LegendText = label;
        line.LineWidth = width;
        line.MarkerSize = markers || list.Count == 1 ? 6 : 0;
        if (dashed) line.LinePattern = LinePattern.Dashed;
    }

    private void MarkDivergence(Plot plot, RunGroup group, Color colour)
    {
        var steps = group.Seeds.Select(s => s.DivergedAtStep).OfType<int>().ToList();
        for (int i = 0; i < steps.Count; i++)
        {
            var mark = plot.Add.VerticalLine(X(steps[i]), 1.2f, colour, LinePattern.Dotted);
            if (i == 0) mark.LegendText = $"{group.Name} diverged ({steps.Count} of {group.Seeds.Count})";
        }
    }

    private void StepTicks(Plot plot)
    {
        if (LogSteps) plot.Axes.Bottom.TickGenerator = LogTickGenerator();
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTickGenerator() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture),
    };
}
