// The gradient-story presets on reduced budgets, over two seeds: what each claims must hold as a
// property of its runs. remedies: the unclipped run diverges after a surge, weight decay does not stop
// it, and every other remedy trains. depth: without help the gradient starts vanished down the 8-layer
// stack and the help keeps it. vanish (full budget, four of its five runs): the tanh RNN's gradient vanishes back
// over 100 time steps and it does not learn; the GRU's starts vanished, opens and the GRU learns; the
// IRNN's and the leaky RNN's is kept throughout. pascanu2013: every run once per length, judged on fresh sequences, and
// the same numbers whether runs train one at a time or in parallel. The full budgets are measured by
// tools/measure-presets.sh.
using Engine.Training.Experiments;
using Engine.Training.Reports;
using Xunit;

namespace Engine.Tests.Experiments;

public class PresetTests
{
    private static ComparisonRecord Run(ExperimentPreset preset, int seeds, int parallel = 2) => Run(preset, seeds, out _, parallel);

    private static ComparisonRecord Run(ExperimentPreset preset, int seeds, out string dir, int parallel = 2)
    {
        dir = Directory.CreateTempSubdirectory("preset").FullName;
        var record = new ComparisonRunner(preset, dir) { Parallel = parallel }.Run(preset.Runs, seeds, advise: preset.Advise);
        ReportWriter.Write(record, dir);
        return record;
    }

    private static RunGroup Group(ComparisonRecord record, string name) => record.Groups.Single(g => g.Name == name);

    /// <summary>The share of the gradient kept per step back (time step or layer) of every seed, at the start or the end of training.</summary>
    private static IEnumerable<double> PerStep(RunGroup g, Func<RunRecord, TrainingPhase, double[]?> profile, TrainingPhase phase = TrainingPhase.End) =>
        g.Seeds.Select(s => profile(s, phase)!).Select(p => GradientReach.PerStep(p[0], p.Length - 1));

    [Fact]
    public void Remedies_every_remedy_but_weight_decay_trains_where_the_unclipped_run_diverges_after_a_surge()
    {
        var record = Run(ExperimentPreset.Get("remedies"), seeds: 2);
        Assert.All(Group(record, "unclipped").Seeds, s => Assert.True(s.Verdict == Verdict.Diverged && s.SpikeRatio >= Surges.SpikeFactor, $"seed {s.Seed}: {s.Verdict}, {s.SpikeRatio}"));
        Assert.All(Group(record, "weight decay").Seeds, s => Assert.Equal(Verdict.Diverged, s.Verdict));
        foreach (var name in new[] { "clipped", "lstm", "gru", "lr 0.15", "adam" })
            Assert.All(Group(record, name).Seeds, s => Assert.True(s.Verdict == Verdict.Trained, $"{name} seed {s.Seed}: {s.Verdict}"));
    }

    [Fact]
    public void Depth_the_plain_stack_loses_its_gradient_through_depth_and_residual_or_layer_norm_keep_it()
    {
        var preset = ExperimentPreset.Get("depth");
        preset = preset with { Base = preset.Base with { Steps = 60, ValidateEvery = 60, ValidationChars = 5000 } };
        var record = Run(preset, seeds: 2);
        Assert.All(PerStep(Group(record, "plain"), GradientReach.ThroughDepth, TrainingPhase.Start), r => Assert.True(r < GradientReach.VanishingPerStep, $"plain keeps {r} per layer"));
        foreach (var name in new[] { "residual", "layer norm", "residual + layer norm" })
            foreach (var phase in new[] { TrainingPhase.Start, TrainingPhase.End })
                Assert.All(PerStep(Group(record, name), GradientReach.ThroughDepth, phase), r => Assert.True(r >= GradientReach.VanishingPerStep, $"{name} keeps {r} per layer ({phase})"));
        // With its gradient kept, the helped stack is ahead of the plain one on validation with every seed.
        for (int k = 0; k < 2; k++)
            Assert.True(Group(record, "residual + layer norm").Seeds[k].FinalValidationLoss < Group(record, "plain").Seeds[k].FinalValidationLoss);
    }

    [Fact]
    public void Vanish_the_tanh_rnns_gradient_vanishes_over_100_steps_the_gru_opens_its_path_and_learns_and_the_irnns_is_kept()
    {
        var preset = ExperimentPreset.Get("vanish");
        preset = preset with { Runs = preset.Runs.Where(r => r.Name is "tanh rnn" or "gru" or "irnn" or "leaky rnn").ToList() };
        var record = Run(preset, seeds: 2, out string dir);
        Assert.All(record.Runs, r => Assert.Equal(100, r.TaskSteps));
        // The adding problem is a regression: its loss is a squared error, here and read back by `report`.
        Assert.All(record.Runs, r => Assert.Equal(LossKind.SquaredError, r.Loss));
        Assert.Equal(LossKind.SquaredError, MetricsReader.Read(Path.Combine(dir, record.Runs[0].Metrics!), "read").Loss);
        var tanh = Group(record, "tanh rnn");
        Assert.All(tanh.Seeds, s => Assert.Equal(Verdict.DidNotLearn, s.Verdict));
        Assert.All(PerStep(tanh, GradientReach.ThroughTime), r => Assert.True(r < GradientReach.VanishingPerStep, $"tanh keeps {r} per step"));
        var gru = Group(record, "gru");
        Assert.All(gru.Seeds, s => Assert.Equal(Verdict.Trained, s.Verdict));
        Assert.All(PerStep(gru, GradientReach.ThroughTime, TrainingPhase.Start), r => Assert.True(r < GradientReach.VanishingPerStep, $"gru starts keeping {r} per step"));
        Assert.All(PerStep(gru, GradientReach.ThroughTime), r => Assert.True(r >= GradientReach.VanishingPerStep, $"gru ends keeping {r} per step"));
        foreach (var name in new[] { "irnn", "leaky rnn" })
            foreach (var phase in new[] { TrainingPhase.Start, TrainingPhase.End })
                Assert.All(PerStep(Group(record, name), GradientReach.ThroughTime, phase), r => Assert.True(r >= GradientReach.VanishingPerStep, $"{name} keeps {r} per step ({phase})"));
    }

    [Fact]
    public void Pascanu2013_trains_every_run_at_every_length_and_parallel_runs_give_the_same_numbers()
    {
        var preset = ExperimentPreset.Get("pascanu2013");
        preset = preset with { Base = preset.Base with { Steps = 40 }, Lengths = [12, 20], AccuracySequences = 500 };
        var parallel = Run(preset, seeds: 2, parallel: 2);
        var serial = Run(preset, seeds: 2, parallel: 1);
        Assert.Equal(["sgd T=12", "sgd clipped T=12", "sgd T=20", "sgd clipped T=20"], parallel.Groups.Select(g => g.Name));
        Assert.Equal(["sgd", "sgd clipped", "sgd", "sgd clipped"], parallel.Groups.Select(g => g.Seeds[0].Series));
        Assert.Equal([12, 12, 20, 20], parallel.Groups.Select(g => g.Seeds[0].TaskSteps!.Value));
        Assert.All(parallel.Runs, r => Assert.NotNull(r.Solved));
        Assert.All(parallel.Runs, r => Assert.Equal(LossKind.CrossEntropy, r.Loss)); // four classes
        Assert.Equal(serial.Runs.Select(r => (r.Name, r.Seed)), parallel.Runs.Select(r => (r.Name, r.Seed)));
        for (int i = 0; i < serial.Runs.Count; i++)
        {
            Assert.Equal(serial.Runs[i].Steps.Select(s => s.Loss), parallel.Runs[i].Steps.Select(s => s.Loss));
            Assert.Equal(serial.Runs[i].Accuracy, parallel.Runs[i].Accuracy);
        }
        Assert.True(new Charts(parallel).HasLengths);
    }
}
