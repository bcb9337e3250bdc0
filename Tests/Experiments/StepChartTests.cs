// The step charts of a report: long runs drawn as window means (their points are the means the caption
// promises), the loss axis named by what the runs' loss measures, and one dashed line for the runs that
// share a fixed clip threshold.
using Engine.Training.Experiments;
using Engine.Training.Reports;
using ScottPlot.Plottables;
using Xunit;

namespace Engine.Tests.Experiments;

public class StepChartTests
{
    private static RunRecord Run(string name, int steps, ulong seed = 1, double? threshold = 1, LossKind loss = LossKind.CrossEntropy, int? divergedAt = null)
    {
        var run = new RunRecord { Name = name, Clip = threshold is null ? "none" : $"norm:{threshold}", Seed = seed, Loss = loss, DivergedAtStep = divergedAt };
        // Loss s + seed and a norm of 10^(s mod 3): a window's mean is known in closed form.
        for (int s = 1; s <= steps; s++)
            run.Steps.Add(new StepRecord(s, s + (double)seed, null, Math.Pow(10, s % 3), 1, 1, false, false, threshold, 0.01, 1000));
        return run;
    }

    private static ComparisonRecord Record(params RunRecord[] runs)
    {
        var record = new ComparisonRecord { Preset = "report", Description = "d", Settings = new Dictionary<string, string>() };
        record.Runs.AddRange(runs);
        return record;
    }

    private static List<(double X, double Y)> Points(Scatter line) => line.Data.GetScatterPoints().Select(p => (p.X, p.Y)).ToList();

    [Fact]
    public void Long_runs_are_drawn_as_the_means_of_windows_of_steps()
    {
        // 5,000 steps: 200 windows of 25, each point the mean of its window's steps at the window's last step.
        var charts = new Charts(Record(Run("a", 5000)));
        Assert.Equal(25, charts.Window);
        var line = Assert.Single(charts.Loss().GetPlottables().OfType<Scatter>());
        var points = Points(line);
        Assert.Equal(200, points.Count);
        Assert.Equal((25.0, 14.0), points[0]);          // mean of 2..26
        Assert.Equal((5000.0, 4989.0), points[^1]);     // mean of 4977..5001
        // Norms 10^(s mod 3) drawn on a log axis: the window mean of the logs (a geometric mean).
        var norm = Assert.Single(charts.GradientNorm().GetPlottables().OfType<Scatter>());
        double logs = Enumerable.Range(1, 25).Sum(s => (double)(s % 3)) / 25;
        Assert.Equal(logs, Points(norm)[0].Y, 12);
    }

    [Fact]
    public void A_run_that_stops_within_a_window_ends_at_its_own_last_step()
    {
        var charts = new Charts(Record(Run("long", 2000, seed: 1), Run("short", 1990, seed: 2)));
        Assert.Equal(10, charts.Window);
        var lines = charts.Loss().GetPlottables().OfType<Scatter>().ToList();
        Assert.Equal((1990.0, 1987.5), Points(lines[1])[^1]); // steps 1981..1990 of seed 2
    }

    [Fact]
    public void Short_runs_and_early_divergences_keep_every_step()
    {
        var shortRun = new Charts(Record(Run("a", 1000)));
        Assert.Equal(1, shortRun.Window);
        Assert.Equal(1000, Points(Assert.Single(shortRun.Loss().GetPlottables().OfType<Scatter>())).Count);
        // A divergence in the first 5% of the steps puts the steps on a log axis, where the first steps matter most.
        var early = new Charts(Record(Run("long", 5000), Run("diverged", 40, seed: 2, divergedAt: 40)));
        Assert.True(early.LogSteps);
        Assert.Equal(1, early.Window);
    }

    [Fact]
    public void The_loss_axis_names_what_the_loss_measures()
    {
        static string Label(params RunRecord[] runs) => new Charts(Record(runs)).Loss().Axes.Left.Label.Text;
        Assert.Equal("loss (nats)", Label(Run("a", 10)));
        Assert.Equal("loss (mean squared error)", Label(Run("a", 10, loss: LossKind.SquaredError)));
        Assert.Equal("loss (nats or mean squared error)", Label(Run("a", 10), Run("b", 10, loss: LossKind.SquaredError)));
    }

    [Fact]
    public void Runs_clipped_at_one_threshold_share_one_line()
    {
        static List<string> Thresholds(params RunRecord[] runs) =>
            new Charts(Record(runs)).GradientNorm().GetPlottables().OfType<HorizontalLine>().Select(l => l.LegendText).ToList();
        Assert.Equal(["threshold 1 (every run)"], Thresholds(Run("a", 10), Run("b", 10), Run("c", 10)));
        Assert.Equal(["threshold 1 (every clipped run)"], Thresholds(Run("a", 10), Run("b", 10), Run("c", 10), Run("plain", 10, threshold: null)));
        Assert.Equal(["threshold 1 (a, c)", "b threshold 2"], Thresholds(Run("a", 10), Run("b", 10, threshold: 2), Run("c", 10)));
        Assert.Equal(["threshold 1 (3 runs)", "d threshold 2"], Thresholds(Run("a", 10), Run("b", 10), Run("c", 10), Run("d", 10, threshold: 2)));
        Assert.Equal(["a threshold 1"], Thresholds(Run("a", 10), Run("plain", 10, threshold: null)));
    }
}
