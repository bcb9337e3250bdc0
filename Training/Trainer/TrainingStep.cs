// TrainingStep: the one training step every trainer and the bench run:
//   zero grads -> forward and loss (the caller's) -> backward -> clip stage -> optimizer (with the
//   clip scale, unless the clip stage skips the update) -> release the step's graph.
// It owns no model and no data: the caller's forward builds the loss on the step's graph.
using System.Diagnostics;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;

namespace Engine.Training.Trainer;

/// <summary>What one step did: its loss, the clip stage's decision, how many weights the optimizer's guard kept, and the clip stage's time.</summary>
public readonly record struct StepResult(double Loss, ClipOutcome Clip, long GuardedWeights, double ClipSeconds);

/// <summary>Zero, forward, backward, clip, optimize: one step over a parameter store.</summary>
public sealed class TrainingStep
{
    private readonly ParameterStore store;
    private readonly Graph graph;

    /// <summary>A step over the store's parameters, clipped by clip and updated by optimizer.</summary>
    public TrainingStep(ParameterStore store, ClipStage clip, Optimizer optimizer)
    {
        this.store = store;
        Clip = clip;
        Optimizer = optimizer;
        graph = new Graph(store.Backend);
    }

    /// <summary>
    /// The step a run's settings describe: their optimizer (guarding weights from overflow under every
    /// non-finite policy but propagate) and their clip stage.
    /// </summary>
    public static TrainingStep Create(TrainConfig config, ParameterStore store)
    {
        var optimizer = config.OptimizerSpec.Create(store);
        optimizer.GuardNonFinite = config.Policy != NonFinitePolicy.Propagate;
        return new TrainingStep(store, new ClipStage(config.ClipSpec, config.Policy, store, config.MaxSkips), optimizer);
    }

    /// <summary>The clip stage between backward and the optimizer.</summary>
    public ClipStage Clip { get; }

    /// <summary>The optimizer the step updates with.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>
    /// When true, the backend finishes the queued backward before the clip stage starts, so that
    /// ClipSeconds is the clip stage's own time on an asynchronous device (the bench sets it; training
    /// does not, since the wait would cost a GPU step its overlap).
    /// </summary>
    public bool IsolateClip { get; init; }

    /// <summary>When set, the step's ops and phases are timed into it (the bench's step profile); null in training.</summary>
    public OpProfile? Profile { get => graph.Profile; set => graph.Profile = value; }

    /// <summary>
    /// One step at the given (1-based) step number. forward builds the scalar loss on the graph it is
    /// given; what else it needs from the forward pass (the state carried to the next chunk) it takes
    /// before returning, since the graph is released at the end of the step.
    /// </summary>
    public StepResult Run(int step, Func<Graph, Var> forward)
    {
        var profile = graph.Profile;
        profile?.Mark();
        store.ZeroGrad();
        profile?.Phase("zero gradients", store.Backend);
        try
        {
            var loss = forward(graph);
            profile?.Phase("forward, after its last op", store.Backend);
            graph.Backward(loss);
            profile?.Mark();
            if (IsolateClip) store.Backend.Synchronize();
            var clock = Stopwatch.StartNew();
            var clip = Clip.Apply(step);
            double clipSeconds = clock.Elapsed.TotalSeconds;
            profile?.Phase("clip stage", store.Backend);
            long guarded = clip.SkipUpdate ? 0 : Optimizer.Step(clip.OptimizerScale);
            profile?.Phase("optimizer", store.Backend);
            // Read last, so that on a GPU the copy to the host waits for the whole step, not in its middle.
            double value = loss.Value.ToArray()[0];
            profile?.Phase("loss read", store.Backend);
            return new StepResult(value, clip, guarded, clipSeconds);
        }
        finally
        {
            // Also when the clip stage stops the run, so that a caller who goes on starts from an empty graph.
            graph.Reset();
        }
    }
}
