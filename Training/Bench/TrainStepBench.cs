// TrainStepBench: the benchmark's training step, timed: zero grads, forward of one recurrent layer over
// x [T, B, I], loss = sum(y^2) / numel, backward through time, clip stage (global norm 1.0) and SGD
// (lr 0.01): the same work as the libtorch step that tools/libtorch-peer times beside it.
using System.Diagnostics;
using Engine.Models;
using Engine.Models.Init;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;
using Engine.Training.Trainer;

namespace Engine.Training.Bench;

/// <summary>
/// PeakBytes is the managed memory the configuration holds after its steps, over what was live before
/// it started: parameters, gradients, optimizer state, packed weights and every step buffer (the graph
/// pools them, so at the end they are all still held: the step's peak). PeakRssGrowthBytes is how far
/// the process's resident set rose above its level before the configuration was built (Linux only);
/// it is the figure to compare with libtorch's, and only when the configuration runs in a process of
/// its own (`bench --shape`), since memory the GC keeps from an earlier configuration is reused.
/// </summary>
public sealed record TrainStepFigures(string Cell, int T, int B, int I, int H, double MsMedian, double MsMin, double MsMax, int Steps,
    double TokensPerSecond, double ClipMsMedian, double ClipShare, long PeakBytes, long? PeakRssGrowthBytes);

/// <summary>The benchmark's training step on one configuration: built once, then run step by step.</summary>
public sealed class TrainStep
{
    private readonly IBackend backend;
    private readonly RecurrentStack stack;
    private readonly TrainingStep step;
    private readonly Tensor x;
    private readonly RecurrentState state;

    public TrainStep(IBackend backend, CellKind cell, int t, int b, int i, int h)
    {
        this.backend = backend;
        var config = new RecurrentConfig(cell, i, h, 1);
        var store = new ParameterStore(backend, RecurrentStack.Specs(config));
        Initializer.Apply(store, InitSpec.Default, cell.Gates(), 0);
        stack = new RecurrentStack(config, store);
        // On a GPU, the clip stage's time must not include the queued backward.
        step = new TrainingStep(store, new ClipStage(ClipSpec.Parse("norm:1"), NonFinitePolicy.Skip, store),
            OptimizerSpec.Default(OptimizerKind.Sgd, 0.01f).Create(store)) { IsolateClip = true };
        var rng = new Rng(0);
        x = backend.FromArray(Enumerable.Range(0, t * b * i).Select(_ => (float)rng.NextGaussian()).ToArray(), t, b, i);
        state = RecurrentState.Zeros(backend, config, b);
    }

    /// <summary>Steps run so far.</summary>
    public int Steps { get; private set; }

    /// <summary>One step; returns its time and the clip stage's, in ms, and its loss.</summary>
    public (double Step, double Clip, double Loss) Run()
    {
        var total = Stopwatch.StartNew();
        var result = step.Run(++Steps, graph =>
        {
            var y = stack.Forward(graph, graph.Constant(x), graph.Constant(state.H), state.C is null ? null : graph.Constant(state.C)).Y;
            return graph.Mean(graph.Mul(y, y));
        });
        backend.Synchronize();
        return (total.Elapsed.TotalMilliseconds, result.ClipSeconds * 1000, result.Loss);
    }
}

public static class TrainStepBench
{
    public static TrainStepFigures Measure(IBackend backend, CellKind cell, int t, int b, int i, int h, double minSeconds)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        long? rssBefore = ProcessMemory.ResetPeak();
        var step = new TrainStep(backend, cell, t, b, i, h);

        // Warm-up long enough for the JIT's tiered compilation to reach optimised code (it recompiles hot
        // methods after ~30 calls, in the background): 3 steps, as libtorch's bench uses, would time tier-0 code.
        // In a fresh process (`--shape`) the last methods reach tier 1 only after 1-2 s of batch-1 steps
        // (with tiered PGO they pass through an instrumented tier first), and a shorter warm-up times the
        // clip stage about ten times too slow.
        var warm = Stopwatch.StartNew();
        for (int w = 0; w < 30 || warm.Elapsed.TotalSeconds < 1.5 * minSeconds; w++) step.Run();
        // Timed until at least 10 steps and minSeconds have passed, with no cap on the steps: at batch 1 a
        // cap of 500 steps would be a window of well under a second, short enough for one slow spell of a
        // shared machine to move the whole median.
        var steps = new List<double>();
        var clips = new List<double>();
        var clock = Stopwatch.StartNew();
        while (steps.Count < 10 || clock.Elapsed.TotalSeconds < minSeconds)
        {
            var (s, c, _) = step.Run();
            steps.Add(s);
            clips.Add(c);
        }
        double median = Statistics.Median(steps), clipMedian = Statistics.Median(clips);
        long? rssGrowth = ProcessMemory.PeakGrowthSince(rssBefore);
        long held = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(step);
        return new TrainStepFigures(cell.Name(), t, b, i, h, median, steps.Min(), steps.Max(), steps.Count, t * b / (median / 1000),
            clipMedian, clipMedian / median, held, rssGrowth);
    }
}
