// Fused optimizer updates over the flat parameter buffer: each reads the gradient once, scaled by the
// clip stage's GradScale (g = GradScale * grad, then + WeightDecay * p where the optimizer couples
// it), and updates its state and the parameters in the same pass. Each optimizer's scalars travel as
// one struct: its hyper-parameters, the step-dependent values (bias corrections, decayed learning
// rates, computed on the host) and the guard.
// With Guard, an element whose new value would not be finite (a finite but huge gradient overflowing)
// keeps its old value; each kernel returns how many elements it kept that way.
namespace Engine;

/// <summary>
/// The scalars of one SGD update (PyTorch, dampening 0). FirstStep: the momentum buffer is set to g
/// instead of decayed (PyTorch's first step).
/// </summary>
public readonly record struct SgdStep(float GradScale, float LearningRate, float Momentum, float WeightDecay, bool Nesterov, bool FirstStep, bool Guard);

/// <summary>
/// The scalars of one Adam or AdamW update. Decoupled (AdamW): p *= 1 - LearningRate * WeightDecay and
/// g is not decayed. StepSize = lr / (1 - beta1^t) and BiasCorrection2Sqrt = sqrt(1 - beta2^t), from the host.
/// </summary>
public readonly record struct AdamStep(float GradScale, float LearningRate, float Beta1, float Beta2, float Eps, float WeightDecay, bool Decoupled,
    float StepSize, float BiasCorrection2Sqrt, bool Guard);

/// <summary>The scalars of one RMSprop update. Momentum is used when the kernel is given a momentum buffer.</summary>
public readonly record struct RmspropStep(float GradScale, float LearningRate, float Alpha, float Eps, float WeightDecay, float Momentum, bool Guard);

/// <summary>The scalars of one Adagrad update. DecayedRate = lr / (1 + (t - 1) lrDecay), from the host.</summary>
public readonly record struct AdagradStep(float GradScale, float DecayedRate, float Eps, float WeightDecay, bool Guard);

public partial interface IBackend
{
    /// <summary>
    /// SGD. With momentum: buf = g on the first step, else momentum * buf + g; the update direction is
    /// g + momentum * buf (Nesterov) or buf. Without momentum buf is unused (may be null).
    /// p -= lr * direction.
    /// </summary>
    long SgdUpdate(Tensor grad, in SgdStep step, Tensor? momentumBuffer, Tensor param);

    /// <summary>
    /// Adam / AdamW. m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// p -= StepSize * m / (sqrt(v) / BiasCorrection2Sqrt + eps); coupled: g += weightDecay * p first.
    /// </summary>
    long AdamUpdate(Tensor grad, in AdamStep step, Tensor expAvg, Tensor expAvgSq, Tensor param);

    /// <summary>
    /// RMSprop. v = alpha v + (1 - alpha) g^2; centered (gradAvg given): a = alpha a + (1 - alpha) g and the
    /// denominator is sqrt(v - a^2) + eps, else sqrt(v) + eps. With a momentum buffer: buf = momentum buf +
    /// g / denom, p -= lr buf; else p -= lr g / denom. gradAvg and momentumBuffer are null when unused.
    /// </summary>
    long RmspropUpdate(Tensor grad, in RmspropStep step, Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param);

    /// <summary>Adagrad. sum += g^2; p -= DecayedRate * g / (sqrt(sum) + eps).</summary>
    long AdagradUpdate(Tensor grad, in AdagradStep step, Tensor sum, Tensor param);
}
