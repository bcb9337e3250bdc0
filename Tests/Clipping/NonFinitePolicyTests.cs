// A step with an injected Inf or NaN under each policy, with a real optimizer (Adam): the weights and
// the optimizer state afterwards are exactly what the policy promises. And the fused path (scale
// applied inside the optimizer) equals the two-pass path (scale applied to the gradients) bit for bit.
using Engine.Tests.Support;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;
using Xunit;

namespace Engine.Tests.Clipping;

public class NonFinitePolicyTests
{
    private sealed record Rig(ParameterStore Store, Optimizer Optimizer, ClipStage Stage);

    private static Rig Build(NonFinitePolicy policy, string clip = "norm:1", int maxSkips = 3, bool fused = true, string backend = "cpu")
    {
        var b = BackendCases.Create(backend);
        var store = new ParameterStore(b, [new("lstm.weight_hh_l0", [2, 2], "l0"), new("head.bias", [3], "head")]);
        b.Upload([0.5f, -0.25f, 1, 2, 0.1f, 0.2f, 0.3f], store.Values);
        var optimizer = OptimizerSpec.Default("adam", 0.01f).Create(store);
        optimizer.GuardNonFinite = policy != NonFinitePolicy.Propagate; // as the trainers set it
        return new Rig(store, optimizer, new ClipStage(ClipSpec.Parse(clip), policy, store, maxSkips) { FusedScale = fused });
    }

    /// <summary>One training step as the trainer runs it: clip, then update unless told to skip.</summary>
    private static ClipOutcome Step(Rig rig, float[] grads, int step)
    {
        rig.Store.Backend.Upload(grads, rig.Store.Grads);
        var outcome = rig.Stage.Apply(step);
        if (!outcome.SkipUpdate) rig.Optimizer.Step(outcome.OptimizerScale);
        return outcome;
    }

    private static readonly float[] Good = [0.3f, -0.2f, 0.1f, 0.4f, -0.5f, 0.2f, 0.1f];
    private static float[] Poisoned(float bad) => [0.3f, -0.2f, 0.1f, 0.4f, bad, 0.2f, 0.1f];

    private static float[][] Snapshot(Rig rig) => [rig.Store.Values.ToArray(), .. rig.Optimizer.State.Select(s => s.Tensor.ToArray())];

    [SkippableTheory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void Error_stops_naming_the_step_and_parameter_and_leaves_weights_alone(float bad)
    {
        var rig = Build(NonFinitePolicy.Error);
        Step(rig, Good, 1);
        var before = Snapshot(rig);
        var ex = Assert.Throws<ClipException>(() => Step(rig, Poisoned(bad), 2));
        Assert.Equal("step 2: the gradient of 'head.bias' is not finite (1 NaN or infinite values in all; policy 'error')", ex.Message);
        Assert.Equal(before, Snapshot(rig));
    }

    [Fact]
    public void Skip_leaves_weights_and_optimizer_state_untouched_and_stops_after_too_many()
    {
        var rig = Build(NonFinitePolicy.Skip, maxSkips: 3);
        Step(rig, Good, 1);
        var before = Snapshot(rig);
        var skipped = Step(rig, Poisoned(float.NaN), 2);
        Assert.True(skipped.SkipUpdate);
        Assert.True(skipped.Telemetry.Skipped);
        Assert.Equal(1, skipped.Telemetry.NonFiniteCount);
        Assert.Equal("head.bias", skipped.Telemetry.FirstNonFiniteParameter);
        Assert.Equal(before, Snapshot(rig));
        Assert.Equal(1, rig.Optimizer.StepCount);

        Step(rig, Good, 3); // a finite step resets the count
        Step(rig, Poisoned(float.PositiveInfinity), 4);
        Step(rig, Poisoned(float.PositiveInfinity), 5);
        var ex = Assert.Throws<ClipException>(() => Step(rig, Poisoned(float.NaN), 6));
        Assert.StartsWith("step 6: gradients were not finite for 3 consecutive steps (first at 'head.bias')", ex.Message);
        Assert.All(rig.Store.Values.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Zero_replaces_non_finite_entries_and_updates_like_a_zero_gradient()
    {
        var zeroed = Build(NonFinitePolicy.Zero);
        var reference = Build(NonFinitePolicy.Error);
        var outcome = Step(zeroed, Poisoned(float.NegativeInfinity), 1);
        Step(reference, Poisoned(0f), 1);
        Assert.Equal(1, outcome.Telemetry.NonFiniteCount);
        Assert.Equal(Snapshot(reference), Snapshot(zeroed));
        Assert.All(zeroed.Store.Values.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Propagate_poisons_the_weights_as_pytorch_does()
    {
        var rig = Build(NonFinitePolicy.Propagate);
        Step(rig, Poisoned(float.NaN), 1);
        Assert.All(rig.Store.Values.ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [SkippableTheory]
    [InlineData("norm:0.1")]
    [InlineData("norm:0.3:inf")]
    [InlineData("auto:50")]
    [InlineData("zclip:2.5:0.9:2")]
    public void Fused_scale_equals_two_pass_bit_for_bit(string clip)
    {
        // Fused: the optimizer computes scale * g; two-pass: g is first overwritten by scale * g and the
        // optimizer multiplies by 1. The same float products, so the same bits.
        var fused = Build(NonFinitePolicy.Error, clip, fused: true);
        var twoPass = Build(NonFinitePolicy.Error, clip, fused: false);
        var rng = new Rng(9);
        for (int step = 1; step <= 6; step++)
        {
            var grads = Good.Select(g => g * (float)rng.Uniform(0.2, 4)).ToArray();
            var a = Step(fused, grads, step);
            var b = Step(twoPass, grads, step);
            Assert.Equal(a.Telemetry.Scale, b.Telemetry.Scale);
        }
        Assert.Equal(Snapshot(twoPass), Snapshot(fused));
    }
}
