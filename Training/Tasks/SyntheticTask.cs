// SyntheticTask: generated sequence problems built to provoke exploding and vanishing gradients
// (Hochreiter & Schmidhuber 1997; Pascanu, Mikolov & Bengio 2013). Each draws fresh batches from a
// seeded Rng, defines its loss (regression or classification) and its own success criterion.
namespace Engine.Training.Tasks;

/// <summary>
/// One batch: inputs [T, B, I] time-major. Regression tasks give one float target per sequence
/// (read at the last step); classification tasks give class ids for the last step ([B]) or for
/// every step ([T * B], time-major) as HeadAtEveryStep says.
/// </summary>
public sealed record TaskBatch(float[] Inputs, int Steps, int Batch, float[]? RegressionTargets, int[]? ClassTargets);

public abstract class SyntheticTask
{
    public abstract string Name { get; }
    public abstract int Steps { get; }
    public abstract int InputSize { get; }

    /// <summary>Width of the model's output: 1 for regression, the number of classes otherwise.</summary>
    public abstract int OutputSize { get; }

    public abstract bool IsRegression { get; }

    /// <summary>Whether the head reads every step (true) or only the last one.</summary>
    public virtual bool HeadAtEveryStep => false;

    /// <summary>The success criterion, in words, for reports.</summary>
    public abstract string Criterion { get; }

    public abstract TaskBatch Sample(Rng rng, int batch);

    /// <summary>
    /// How many sequences of the batch the model got right, given its outputs: [B, O] when the head
    /// reads the last step, [T * B, O] when it reads every step.
    /// </summary>
    public abstract int CountCorrect(TaskBatch batch, float[] outputs);

    public static SyntheticTask Create(string name, int steps) => name switch
    {
        "adding" => new AddingProblem(steps),
        "temporal-order" => new TemporalOrderProblem(steps),
        "memorization" => new MemorizationProblem(steps),
        _ => throw new ArgumentException($"unknown task '{name}'; choose one of: adding, temporal-order, memorization"),
    };

    protected static void RequireLength(string task, int steps, int minimum)
    {
        if (steps < minimum) throw new ArgumentException($"the {task} task needs at least {minimum} steps, got {steps}");
    }
}
