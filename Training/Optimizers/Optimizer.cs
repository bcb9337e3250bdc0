// Optimizer: updates the flat parameter buffer from the flat gradient buffer in one fused pass per
// step, taking the clip stage's scale as an input so clipping costs no extra pass. Its state tensors
// are named like PyTorch's (exp_avg, exp_avg_sq, momentum_buffer, square_avg, ...) for checkpoints.
namespace Engine.Training.Optimizers;

/// <summary>An optimizer over a whole parameter store: one fused update of the flat buffers per step.</summary>
public abstract class Optimizer
{
    private readonly List<(string Name, Tensor Tensor)> state = new();

    /// <summary>The parameters it updates.</summary>
    protected ParameterStore Store { get; }
    /// <summary>Its kind and hyper-parameters.</summary>
    public OptimizerSpec Spec { get; }

    /// <summary>Updates taken so far (PyTorch's `step` in the state dict).</summary>
    public int StepCount { get; set; }

    /// <summary>The learning rate in force; a schedule sets it before each step.</summary>
    public float LearningRate { get; set; }

    /// <summary>
    /// When true (every non-finite policy but `propagate`), an update that would make a weight NaN or
    /// infinite (a finite but huge gradient overflowing) leaves that weight as it was.
    /// </summary>
    public bool GuardNonFinite { get; set; } = true;

    /// <summary>An optimizer over store with spec's settings, at spec's learning rate.</summary>
    protected Optimizer(ParameterStore store, OptimizerSpec spec)
    {
        Store = store;
        Spec = spec;
        LearningRate = spec.LearningRate;
    }

    /// <summary>A zeroed state tensor as long as the parameter buffer.</summary>
    protected Tensor NewState(string name)
    {
        var t = Store.Backend.Zeros(Store.Count);
        state.Add((name, t));
        return t;
    }

    /// <summary>State tensors in a fixed order, each as long as the flat parameter buffer.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> State => state;

    /// <summary>One update with gradients multiplied by gradScale (1 when the clip stage did not scale); returns how many weights the guard kept.</summary>
    public long Step(float gradScale)
    {
        StepCount++;
        return Update(gradScale);
    }

    /// <summary>The kind's update; returns how many weights the guard kept.</summary>
    protected abstract long Update(float gradScale);
}

/// <summary>SGD with optional (Nesterov) momentum and L2 weight decay, as torch.optim.SGD.</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor? momentumBuffer;

    /// <summary>SGD over store; a momentum buffer only when spec's momentum is above 0.</summary>
    public Sgd(ParameterStore store, OptimizerSpec spec) : base(store, spec)
    {
        if (spec.Momentum > 0f) momentumBuffer = NewState("momentum_buffer");
    }

    /// <inheritdoc/>
    protected override long Update(float gradScale) => Store.Backend.SgdUpdate(Store.Grads,
        new SgdStep(gradScale, LearningRate, Spec.Momentum, Spec.WeightDecay, Spec.Nesterov, FirstStep: StepCount == 1, GuardNonFinite),
        momentumBuffer, Store.Values);
}

/// <summary>Adam, and AdamW (decoupled weight decay) when the spec's name is "adamw".</summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor expAvg, expAvgSq;

    /// <summary>Adam or AdamW over store, with its two moment buffers.</summary>
    public Adam(ParameterStore store, OptimizerSpec spec) : base(store, spec)
    {
        expAvg = NewState("exp_avg");
        expAvgSq = NewState("exp_avg_sq");
    }

    /// <inheritdoc/>
    protected override long Update(float gradScale)
    {
        // Bias corrections in double on the host, as PyTorch computes them from the Python float step.
        double correction1 = 1 - Math.Pow(Spec.Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Spec.Beta2, StepCount);
        var step = new AdamStep(gradScale, LearningRate, Spec.Beta1, Spec.Beta2, Spec.Eps, Spec.WeightDecay, Decoupled: Spec.Kind == OptimizerKind.AdamW,
            StepSize: (float)(LearningRate / correction1), BiasCorrection2Sqrt: (float)Math.Sqrt(correction2), GuardNonFinite);
        return Store.Backend.AdamUpdate(Store.Grads, step, expAvg, expAvgSq, Store.Values);
    }
}

/// <summary>RMSprop, optionally centered and with momentum, as torch.optim.RMSprop.</summary>
public sealed class Rmsprop : Optimizer
{
    private readonly Tensor squareAvg;
    private readonly Tensor? gradAvg, momentumBuffer;

    /// <summary>RMSprop over store, with the buffers its settings need.</summary>
    public Rmsprop(ParameterStore store, OptimizerSpec spec) : base(store, spec)
    {
        squareAvg = NewState("square_avg");
        if (spec.Centered) gradAvg = NewState("grad_avg");
        if (spec.Momentum > 0f) momentumBuffer = NewState("momentum_buffer");
    }

    /// <inheritdoc/>
    protected override long Update(float gradScale) => Store.Backend.RmspropUpdate(Store.Grads,
        new RmspropStep(gradScale, LearningRate, Spec.Alpha, Spec.Eps, Spec.WeightDecay, Spec.Momentum, GuardNonFinite),
        squareAvg, gradAvg, momentumBuffer, Store.Values);
}

/// <summary>Adagrad with learning-rate decay, as torch.optim.Adagrad.</summary>
public sealed class Adagrad : Optimizer
{
    private readonly Tensor sum;

    /// <summary>Adagrad over store, with its running sum of squares.</summary>
    public Adagrad(ParameterStore store, OptimizerSpec spec) : base(store, spec) => sum = NewState("sum");

    /// <inheritdoc/>
    protected override long Update(float gradScale)
    {
        float clr = LearningRate / (1f + (StepCount - 1) * Spec.LrDecay);
        return Store.Backend.AdagradUpdate(Store.Grads, new AdagradStep(gradScale, clr, Spec.Eps, Spec.WeightDecay, GuardNonFinite), sum, Store.Values);
    }
}
