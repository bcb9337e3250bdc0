// The option syntax of `compare`: user runs and threshold sweeps, and the threshold advice.
using Engine.Training.Cli;
using Engine.Training.Experiments;
using Xunit;

namespace Engine.Tests.Training;

public class CompareOptionTests
{
    [Fact]
    public void Runs_and_sweeps_parse_into_named_clip_specs()
    {
        Assert.Equal(new RunSpec("tight", "norm:0.25"), CompareCommand.ParseRun("tight=norm:0.25"));
        var (kind, runs) = CompareCommand.Sweep("norm:0.1, 5,25");
        Assert.Equal("norm", kind);
        Assert.Equal(["norm:0.1", "norm:5", "norm:25"], runs.Select(r => r.Clip));
        Assert.Equal(["norm:0.1", "norm:5", "norm:25"], runs.Select(r => r.Name));
        Assert.Contains("is not name=clip-spec", Assert.Throws<ArgumentException>(() => CompareCommand.ParseRun("=none")).Message);
        Assert.Contains("lists no thresholds", Assert.Throws<ArgumentException>(() => CompareCommand.Sweep("norm:")).Message);
    }

    [Fact]
    public void Advice_is_the_median_of_the_unclipped_runs_finite_norms()
    {
        var record = new ComparisonRecord { Preset = "p", Description = "d", Settings = new Dictionary<string, string>() };
        var run = new RunRecord { Name = "unclipped", Clip = "none" };
        double[] norms = [1, 2, 3, 100, double.PositiveInfinity];
        for (int i = 0; i < norms.Length; i++) run.Steps.Add(new StepRecord(i + 1, 1, null, norms[i], norms[i], 1, false, false, null, 0.1, 1));
        record.Runs.Add(run);
        var advice = ThresholdAdvisor.Advise(record)!;
        // Finite norms 1, 2, 3, 100: the median is 2.5; one of four lies far above it.
        Assert.Equal(2.5, advice.Threshold);
        Assert.Equal(100, advice.MaxNorm);
        Assert.Contains("caps the 50 % largest", advice.Reason);
    }
}
