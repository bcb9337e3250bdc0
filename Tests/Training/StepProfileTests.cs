// The step profile (OpProfile through CharLmTrainer.Profile, and `bench --only charlm`): attaching it
// changes no number of the run, and its parts name every op and phase of a char-LM step and add up
// to the profiled steps' time.
using Engine.Tests.Support;
using Engine.Training.Bench;
using Engine.Training.Data;
using Engine.Training.Trainer;
using Xunit;

namespace Engine.Tests.Training;

public class StepProfileTests
{
    private static TrainConfig Config(string corpus) => new()
    {
        Corpus = corpus, Cell = "lstm", Layers = 2, Hidden = 16, Embedding = 8, SequenceLength = 8, Batch = 4, Steps = 20,
        Dropout = 0.2f, ValidationChars = 120, Seed = 7,
    };

    [Fact]
    public void A_profiled_run_trains_bit_identically_and_times_every_op()
    {
        var config = Config(ProgramRunner.Corpus(Directory.CreateTempSubdirectory("profile").FullName, repeats: 4));
        var corpus = TextCorpus.Load(config.Corpus);
        using var plain = CharLmTrainer.Create(config, corpus);
        using var profiled = CharLmTrainer.Create(config, corpus);
        var profile = new OpProfile();
        profiled.Profile = profile;
        for (int i = 0; i < 6; i++) Assert.Equal(plain.TrainStep().Loss, profiled.TrainStep().Loss);
        Assert.Equal(plain.Store.Values.ToArray(), profiled.Store.Values.ToArray());

        var ops = profile.Ops.ToDictionary(o => o.Op);
        foreach (var op in new[] { "Embedding", "RecurrentStack", "MatMul", "AddBias", "SoftmaxCrossEntropy" })
        {
            Assert.True(ops.ContainsKey(op), $"no op '{op}' in the profile: {string.Join(", ", ops.Keys)}");
            Assert.Equal(6, ops[op].Calls);
            Assert.True(ops[op].ForwardSeconds > 0 && ops[op].BackwardSeconds > 0, $"{op}: forward {ops[op].ForwardSeconds} s, backward {ops[op].BackwardSeconds} s");
        }
        Assert.Equal(["clip stage", "forward, after its last op", "loss read", "optimizer", "zero gradients"], profile.Phases.Keys.Order().ToArray());
    }

    [Fact]
    public void The_bench_profile_splits_the_whole_step()
    {
        var config = Config(ProgramRunner.Corpus(Directory.CreateTempSubdirectory("profile-bench").FullName, repeats: 4));
        var p = CharLmStepProfile.Measure(config, "cpu", 0);
        Assert.True(p.MsMedian > 0 && p.TokensPerSecond > 0);
        Assert.Contains(p.Parts, x => x.Part == "RecurrentStack backward");
        Assert.Contains(p.Parts, x => x.Part == "optimizer");
        Assert.All(p.Parts, x => Assert.True(x.MsPerStep >= 0, x.Part));
        Assert.InRange(p.Parts.Sum(x => x.ShareOfStep), 0.999, 1.001); // "other" holds what no stamp covers
        Assert.Equal(p.Parts.OrderByDescending(x => x.MsPerStep).Select(x => x.Part), p.Parts.Select(x => x.Part));
    }
}
