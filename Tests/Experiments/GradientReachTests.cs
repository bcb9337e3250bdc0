// GradientReach: the share of the gradient that reaches the first time step and the first layer, read
// from recorded ||dL/dh|| samples of the first or last quarter of training, with unusable samples
// (non-finite, zero at the reference) left out.
using Engine.Training.Experiments;
using Xunit;

namespace Engine.Tests.Experiments;

public class GradientReachTests
{
    private static RunRecord Run(params HiddenNormSample[] samples)
    {
        var run = new RunRecord { Name = "r", Clip = "none", LossAtLastStep = true };
        run.HiddenNorms.AddRange(samples);
        return run;
    }

    /// <summary>||dL/dh_t|| = top * rate^(T-1-t) over T steps: a gradient kept at rate per step back.</summary>
    private static double[] Decay(double top, double rate, int steps) => Enumerable.Range(0, steps).Select(t => top * Math.Pow(rate, steps - 1 - t)).ToArray();

    [Fact]
    public void Through_time_is_each_steps_norm_over_the_last_steps_median_over_the_first_or_last_quarter_of_samples()
    {
        var run = Run(
            new HiddenNormSample(1, [Decay(2, 0.5, 5)]),
            new HiddenNormSample(2, [Decay(7, 0.5, 5)]),
            new HiddenNormSample(3, [Decay(1, 0.7, 5)]),
            new HiddenNormSample(4, [Decay(1, 0.7, 5)]),
            new HiddenNormSample(5, [Decay(1, 0.7, 5)]),
            new HiddenNormSample(6, [Decay(1, 0.7, 5)]),
            new HiddenNormSample(7, [Decay(3, 0.9, 5)]),
            new HiddenNormSample(8, [Decay(5, 0.9, 5)]));
        var start = GradientReach.ThroughTime(run, TrainingPhase.Start)!;
        var end = GradientReach.ThroughTime(run, TrainingPhase.End)!;
        Assert.Equal(5, end.Length);
        Assert.Equal(1.0, end[4], 12);
        Assert.Equal(Math.Pow(0.5, 4), start[0], 12); // the first two samples halve per step, whatever their size
        Assert.Equal(Math.Pow(0.9, 4), end[0], 12);
        Assert.Equal(Math.Pow(0.9, 4), GradientReach.TimeReach(run)!.Value, 12); // the end by default
        Assert.Equal(0.5, GradientReach.PerStep(start[0], 4), 12);
        Assert.Equal("vanishing", GradientReach.Describe(start[0], 4));
        Assert.Equal("kept", GradientReach.Describe(end[0], 4));
        Assert.Null(GradientReach.ThroughDepth(run)); // one layer
    }

    [Fact]
    public void Through_depth_is_each_layers_mean_over_the_top_layers()
    {
        var run = Run(new HiddenNormSample(2, [[0.01, 0.03], [0.5, 1.5], [2, 2]]));
        var profile = GradientReach.ThroughDepth(run)!;
        Assert.Equal([0.01, 0.5, 1.0], profile.Select(v => Math.Round(v, 12)));
        Assert.Equal("vanishing", GradientReach.Describe(profile[0], 2)); // 0.1 per layer
        Assert.Equal("kept", GradientReach.Describe(0.9 * 0.9, 2));
        Assert.Equal("exploding", GradientReach.Describe(4, 2));
    }

    [Fact]
    public void Non_finite_samples_and_a_zero_reference_are_left_out_and_nothing_usable_gives_null()
    {
        var run = Run(
            new HiddenNormSample(1, [[1, double.NaN, 4]]),
            new HiddenNormSample(2, [[1, 2, 0]]),
            new HiddenNormSample(3, [[1, 2, 8]]));
        Assert.Equal(0.125, GradientReach.TimeReach(run)!.Value, 12);
        Assert.Null(GradientReach.TimeReach(Run(new HiddenNormSample(1, [[1, 0]]))));
        Assert.Null(GradientReach.TimeReach(Run()));
        Assert.Equal("not finite", GradientReach.Describe(double.NaN, 3));
        // A loss at every time step adds its own gradient at each: the ratio measures no reach.
        var everyStep = new RunRecord { Name = "lm", Clip = "none" };
        everyStep.HiddenNorms.Add(new HiddenNormSample(1, [[1, 2, 8]]));
        Assert.Null(GradientReach.ThroughTime(everyStep));
    }
}
