// The validation-over-time chart draws each run's validations at their wall-clock minutes, and only
// when every run has timed validations (files written before the clock was kept have none).
using Engine.Training.Experiments;
using Engine.Training.Reports;
using Xunit;

namespace Engine.Tests.Experiments;

public class ValidationTimeChartTests
{
    private static RunRecord Run(string name, params (int Step, double? Validation, double? Seconds)[] steps)
    {
        var run = new RunRecord { Name = name, Clip = "norm:1", Seed = 1 };
        foreach (var (step, validation, seconds) in steps)
            run.Steps.Add(new StepRecord(step, 2.0, validation, 0.5, 0.5, 1, false, false, 1, 0.002, 1000, seconds));
        return run;
    }

    [Fact]
    public void Each_run_is_drawn_at_its_validations_minutes()
    {
        var record = new ComparisonRecord { Preset = "report", Description = "d", Settings = new Dictionary<string, string>() };
        record.Runs.Add(Run("fast", (1, null, 0.5), (2, 1.9, 60), (3, null, 61), (4, 1.7, 120)));
        record.Runs.Add(Run("slow", (2, 2.1, 300), (4, 1.8, 600)));
        var charts = new Charts(record);
        Assert.True(charts.HasValidationTime);
        var lines = charts.ValidationOverTime().GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        Assert.Equal(["fast", "slow"], lines.Select(l => l.LegendText));
        Assert.Equal([(1.0, 1.9), (2.0, 1.7)], lines[0].Data.GetScatterPoints().Select(p => (p.X, p.Y)));
        Assert.Equal([(5.0, 2.1), (10.0, 1.8)], lines[1].Data.GetScatterPoints().Select(p => (p.X, p.Y)));
    }

    [Fact]
    public void A_run_without_timed_validations_leaves_the_chart_out()
    {
        var record = new ComparisonRecord { Preset = "report", Description = "d", Settings = new Dictionary<string, string>() };
        record.Runs.Add(Run("timed", (1, 2.0, 10), (2, 1.9, 20)));
        record.Runs.Add(Run("old file", (1, 2.0, null), (2, 1.9, null)));
        Assert.False(new Charts(record).HasValidationTime);
    }
}
