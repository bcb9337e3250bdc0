// End-to-end guarantees of a training run: the same seed gives bit-identical parameters, and a
// poisoned model (non-finite activations, so non-finite gradients) never gets NaN weights under the
// error, skip and zero policies.
using System.Text;
using Engine.Training.Clipping;
using Engine.Training.Data;
using Engine.Training.Trainer;
using Xunit;

namespace Engine.Tests.Reliability;

public class EndToEndTests
{
    private static readonly TextCorpus Corpus = TextCorpus.FromBytes("tiny", Encoding.UTF8.GetBytes(
        string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 60))));

    private static TrainConfig Tiny(string policy = "skip") => new()
    {
        Cell = "lstm", Layers = 2, Hidden = 16, Embedding = 8, SequenceLength = 10, Batch = 4, Steps = 50, ValidationChars = 300,
        NonFinite = policy, Seed = 9,
    };

    [Fact]
    public void Same_seed_gives_bit_identical_parameters_after_training()
    {
        float[] Train()
        {
            using var trainer = CharLmTrainer.Create(Tiny(), Corpus);
            for (int i = 0; i < 15; i++) trainer.TrainStep();
            return trainer.Store.Values.ToArray();
        }
        Assert.Equal(Train(), Train());
    }

    /// <summary>A NaN in the carried hidden state: the next forward, its loss and its gradients are NaN.</summary>
    private static CharLmTrainer Poisoned(string policy)
    {
        var trainer = CharLmTrainer.Create(Tiny(policy), Corpus);
        trainer.TrainStep();
        var h = trainer.State.H.ToArray();
        h[0] = float.NaN;
        trainer.Backend.Upload(h, trainer.State.H);
        return trainer;
    }

    [Fact]
    public void Skip_policy_keeps_every_weight_finite_and_untouched()
    {
        using var trainer = Poisoned("skip");
        var before = trainer.Store.Values.ToArray();
        var report = trainer.TrainStep();
        Assert.True(report.Clip.Skipped);
        Assert.True(report.Clip.NonFiniteCount > 0);
        Assert.Equal(before, trainer.Store.Values.ToArray());
        Assert.True(trainer.ParametersFinite());
    }

    [Fact]
    public void Error_policy_stops_before_any_update()
    {
        using var trainer = Poisoned("error");
        var before = trainer.Store.Values.ToArray();
        var ex = Assert.Throws<ClipException>(() => trainer.TrainStep());
        Assert.StartsWith("step 2: the gradient of '", ex.Message);
        Assert.Equal(before, trainer.Store.Values.ToArray());
    }

    [Fact]
    public void Zero_policy_updates_with_finite_gradients_only()
    {
        using var trainer = Poisoned("zero");
        var before = trainer.Store.Values.ToArray();
        var report = trainer.TrainStep();
        Assert.False(report.Clip.Skipped);
        Assert.True(report.Clip.NonFiniteCount > 0);
        // The update happened, with the cleaned (finite, non-zero) gradients: the optimizer took its
        // second step and moved weights, and every weight stayed finite.
        Assert.Equal(2, trainer.Optimizer.StepCount);
        Assert.True(double.IsFinite(report.Clip.PostClipNorm) && report.Clip.PostClipNorm > 0);
        var after = trainer.Store.Values.ToArray();
        int moved = Enumerable.Range(0, after.Length).Count(i => after[i] != before[i]);
        // After Adam's first step every weight with a gradient has a non-zero first moment, so the
        // second update moves nearly all of them (the poisoned sequence zeroes only some gradients).
        Assert.True(moved > after.Length / 2, $"{moved} of {after.Length} weights moved");
        Assert.True(trainer.ParametersFinite());
    }
}
