// Every value of every kind enum (cells, clips, optimizers, non-finite policies, schedules, inits)
// goes through its parse, its text form and its creation, so that a switch which misses a kind fails
// here instead of silently treating it as another. The example tables must name every kind: a new
// kind fails the coverage check until it has an example, and then every switch is exercised with it.
using Engine.Kernels;
using Engine.Models;
using Engine.Models.Init;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;
using Engine.Training.Trainer;
using Xunit;

namespace Engine.Tests.Training;

public class KindRoundTripTests
{
    private static void CoversEveryKind<T>(IEnumerable<T> covered) where T : struct, Enum
        => Assert.Equal(Enum.GetValues<T>().OrderBy(k => k), covered.Distinct().OrderBy(k => k));

    [Fact]
    public void Every_cell_parses_from_its_name_and_builds_a_model_that_trains_one_step()
    {
        foreach (var cell in Enum.GetValues<CellKind>())
        {
            Assert.Equal(cell, CellKinds.Parse(cell.Name()));
            int expectedGates = cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
            Assert.Equal(expectedGates, cell.Gates());
            Assert.Equal(cell == CellKind.Lstm, cell.HasCellState());
            Assert.StartsWith(cell.ModuleName(), cell.Name().Replace("-", "_"));

            var backend = new ReferenceBackend();
            var config = new CharLmConfig(cell, Vocabulary: 5, Embedding: 3, Hidden: 4, Layers: 2);
            var store = new ParameterStore(backend, CharLanguageModel.Specs(config));
            Assert.Contains(store.All, p => p.Name == $"{cell.ModuleName()}.weight_hh_l1" && p.Shape[0] == expectedGates * 4);
            Initializer.Apply(store, InitSpec.Default, cell.Gates(), seed: 3);
            var model = new CharLanguageModel(config, store);
            var graph = new Graph(backend);
            var output = model.Forward(graph, [0, 1, 2, 3], steps: 2, RecurrentState.Zeros(backend, config.Recurrent, batch: 2), [1, 2, 3, 4]);
            graph.Backward(output.Loss!);
            Assert.True(double.IsFinite(output.Loss!.Value.ToArray()[0]));
            Assert.True(MemoryEstimate.Bytes(new TrainConfig { Cell = cell.Name() }, vocabulary: 65) > 0);
        }
    }

    // Each clip kind in its canonical text form (what ToString writes), with every optional part given.
    private static readonly Dictionary<ClipKind, string> ClipExamples = new()
    {
        [ClipKind.None] = "none",
        [ClipKind.Value] = "value:0.5",
        [ClipKind.GlobalNorm] = "norm:1:inf",
        [ClipKind.ParameterNorm] = "param-norm:2",
        [ClipKind.LayerNorm] = "layer-norm:2",
        [ClipKind.Agc] = "agc:0.01:0.002",
        [ClipKind.AutoClip] = "auto:90:50",
        [ClipKind.ZClip] = "zclip:3:0.9:10",
    };

    [Fact]
    public void Every_clip_kind_round_trips_through_its_text_and_runs_in_the_clip_stage()
    {
        CoversEveryKind(ClipExamples.Keys);
        foreach (var (kind, text) in ClipExamples)
        {
            var spec = ClipSpec.Parse(text);
            Assert.Equal(kind, spec.Kind);
            Assert.Equal(text, spec.ToString());
            Assert.Equal(spec, ClipSpec.Parse(spec.ToString()));

            var store = SmallStore();
            var stage = new ClipStage(spec, NonFinitePolicy.Error, store);
            var outcome = stage.Apply(1);
            Assert.False(outcome.SkipUpdate);
            // Gradients [3, 4, 12] have L2 norm 13.
            Assert.Equal(13, outcome.Telemetry.PreClipNorm, 9);
            Assert.True(outcome.Telemetry.PostClipNorm <= 13 + 1e-9);
            stage.LoadState(stage.SaveState());
        }
    }

    [Fact]
    public void Every_optimizer_parses_from_its_name_keeps_its_pytorch_defaults_and_updates()
    {
        CoversEveryKind(OptimizerKinds.All);
        foreach (var kind in OptimizerKinds.All)
        {
            Assert.Equal(kind, OptimizerKinds.Parse(kind.Name()));
            var spec = OptimizerSpec.Default(kind, 0.1f);
            Assert.Equal(kind, spec.Kind);
            Assert.StartsWith(kind.Name() + "(lr=0.1, ", spec.ToString());
            // One source of defaults: a run that names only the optimizer gets exactly these.
            Assert.Equal(spec, new TrainConfig { Optimizer = kind.Name(), LearningRate = 0.1f }.OptimizerSpec);

            var store = SmallStore();
            var before = store.Values.ToArray();
            var optimizer = spec.Create(store);
            Assert.Equal(spec.StateTensors, optimizer.State.Count);
            optimizer.Step(1f);
            var after = store.Values.ToArray();
            Assert.All(Enumerable.Range(0, after.Length), i => Assert.NotEqual(before[i], after[i]));
            Assert.True(MemoryEstimate.Bytes(new TrainConfig { Optimizer = kind.Name() }, vocabulary: 65) > 0);
        }
    }

    [Fact]
    public void The_defaults_that_differ_between_optimizers_are_pytorchs()
    {
        // torch.optim: AdamW(weight_decay=1e-2), Adagrad(eps=1e-10); everything else weight_decay=0, eps=1e-8.
        foreach (var kind in OptimizerKinds.All)
        {
            var spec = OptimizerSpec.Default(kind, 1f);
            Assert.Equal(kind == OptimizerKind.AdamW ? 0.01f : 0f, spec.WeightDecay);
            Assert.Equal(kind == OptimizerKind.Adagrad ? 1e-10f : 1e-8f, spec.Eps);
        }
        // Set explicitly, they win; switching the kind of a config with them unset follows the new kind.
        Assert.Equal(0f, new TrainConfig { Optimizer = "adamw", WeightDecay = 0f }.OptimizerSpec.WeightDecay);
        Assert.Equal(1e-10f, (new TrainConfig() with { Optimizer = "adagrad" }).Eps);
    }

    [Fact]
    public void Every_nonfinite_policy_round_trips_and_runs_in_the_clip_stage()
    {
        foreach (var policy in Enum.GetValues<NonFinitePolicy>())
        {
            Assert.Equal(policy, NonFinitePolicies.Parse(policy.Name()));
            var store = SmallStore();
            store.Backend.Upload([3, float.NaN, 12], store.Grads);
            var stage = new ClipStage(ClipSpec.Parse("norm:1"), policy, store);
            if (policy == NonFinitePolicy.Error)
            {
                Assert.Throws<ClipException>(() => stage.Apply(1));
                continue;
            }
            var outcome = stage.Apply(1);
            Assert.Equal(1, outcome.Telemetry.NonFiniteCount);
            Assert.Equal(policy == NonFinitePolicy.Skip, outcome.SkipUpdate);
        }
    }

    // Each schedule shape in canonical text, with and without a warm-up.
    private static readonly (ScheduleKind Kind, string Text)[] ScheduleExamples =
    [
        (ScheduleKind.Constant, "constant"), (ScheduleKind.Constant, "warmup:5+constant"),
        (ScheduleKind.Step, "step:10:0.5"), (ScheduleKind.Step, "warmup:3+step:4:0.25"),
        (ScheduleKind.Cosine, "cosine"), (ScheduleKind.Cosine, "warmup:2+cosine:0.1"),
    ];

    [Fact]
    public void Every_schedule_round_trips_through_its_text_and_gives_factors_in_0_1()
    {
        CoversEveryKind(ScheduleExamples.Select(e => e.Kind));
        foreach (var (kind, text) in ScheduleExamples)
        {
            var schedule = LearningRateSchedule.Parse(text);
            Assert.Equal(kind, schedule.Kind);
            Assert.Equal(text, schedule.ToString());
            var again = LearningRateSchedule.Parse(schedule.ToString());
            for (int step = 1; step <= 30; step++)
            {
                Assert.Equal(schedule.Factor(step, 30), again.Factor(step, 30));
                Assert.InRange(schedule.Factor(step, 30), 0.0, 1.0);
            }
        }
        Assert.Equal("warmup:7+constant", LearningRateSchedule.Parse("warmup:7").ToString());
    }

    private static readonly Dictionary<InitScheme, string> InitExamples = new()
    {
        [InitScheme.Default] = "default",
        [InitScheme.Xavier] = "xavier",
        [InitScheme.Orthogonal] = "orthogonal",
        [InitScheme.Identity] = "identity",
        [InitScheme.Spectral] = "spectral:1.5",
        [InitScheme.Sparse] = "sparse:3:0.95",
    };

    [Fact]
    public void Every_init_round_trips_through_its_text_and_initialises_every_cell()
    {
        CoversEveryKind(InitExamples.Keys);
        foreach (var (scheme, text) in InitExamples)
        {
            var spec = InitSpec.Parse(text);
            Assert.Equal(scheme, spec.Scheme);
            Assert.Equal(text, spec.ToString());
            foreach (var cell in Enum.GetValues<CellKind>())
            {
                var config = new CharLmConfig(cell, Vocabulary: 5, Embedding: 3, Hidden: 4, Layers: 2);
                var store = new ParameterStore(new ReferenceBackend(), CharLanguageModel.Specs(config));
                Initializer.Apply(store, spec, cell.Gates(), seed: 1);
                var values = store.Values.ToArray();
                Assert.All(values, v => Assert.True(float.IsFinite(v)));
                Assert.Contains(values, v => v != 0);
            }
        }
    }

    [Fact]
    public void A_value_outside_every_enum_is_refused_not_treated_as_another_kind()
    {
        Assert.Throws<UnhandledKindException>(() => ((CellKind)99).Gates());
        Assert.Throws<UnhandledKindException>(() => ((CellKind)99).Name());
        Assert.Throws<UnhandledKindException>(() => new RecurrentStack(new RecurrentConfig((CellKind)99, 2, 2, 1),
            new ParameterStore(new ReferenceBackend(), RecurrentStack.Specs(new RecurrentConfig(CellKind.RnnTanh, 2, 2, 1)))));
        Assert.Throws<UnhandledKindException>(() => new ClipSpec((ClipKind)99).ToString());
        Assert.Throws<UnhandledKindException>(() => new ClipStage(new ClipSpec((ClipKind)99), NonFinitePolicy.Skip, SmallStore()).Apply(1));
        Assert.Throws<UnhandledKindException>(() => ((OptimizerKind)99).Name());
        Assert.Throws<UnhandledKindException>(() => OptimizerSpec.Default((OptimizerKind)99, 1f));
        Assert.Throws<UnhandledKindException>(() => new OptimizerSpec((OptimizerKind)99, 1f).Create(SmallStore()));
        Assert.Throws<UnhandledKindException>(() => ((NonFinitePolicy)99).Name());
    }

    /// <summary>Parameters a [2] (values 1, -1) and b [1] (value 2); gradients [3, 4, 12].</summary>
    private static ParameterStore SmallStore()
    {
        var backend = new ReferenceBackend();
        var store = new ParameterStore(backend, [new("a", [2], "l0"), new("b", [1], "head")]);
        backend.Upload([1f, -1f, 2f], store.Values);
        backend.Upload([3f, 4f, 12f], store.Grads);
        return store;
    }
}
