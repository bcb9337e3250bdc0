// Fused optimizer updates over the flat parameter buffer: each reads the gradient once, scaled by the
// clip stage's gradScale (g = gradScale * grad, then + weightDecay * p where the optimizer couples
// it), and updates its state and the parameters in the same pass. Step-dependent scalars (bias
// corrections, decayed learning rates) are computed on the host and passed in.
// With guard, an element whose new value would not be finite (a finite but huge gradient overflowing)
// keeps its old value; each kernel returns how many elements it kept that way.
namespace Engine;

public partial interface IBackend
{
    /// <summary>
    /// SGD (PyTorch, dampening 0). With momentum: buf = g on the first step, else momentum * buf + g;
    /// the update direction is g + momentum * buf (Nesterov) or buf. Without momentum buf is unused (may be null).
    /// p -= lr * direction.
    /// </summary>
    long SgdUpdate(Tensor grad, float gradScale, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep, bool guard, Tensor? momentumBuffer, Tensor param);

    /// <summary>
    /// Adam / AdamW. m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// p -= stepSize * m / (sqrt(v) / biasCorrection2Sqrt + eps), stepSize = lr / (1 - b1^t).
    /// decoupled (AdamW): p *= 1 - lr * weightDecay first and g is not decayed; otherwise g += weightDecay * p.
    /// </summary>
    long AdamUpdate(Tensor grad, float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled,
        float stepSize, float biasCorrection2Sqrt, bool guard, Tensor expAvg, Tensor expAvgSq, Tensor param);

    /// <summary>
    /// RMSprop. v = alpha v + (1 - alpha) g^2; centered: a = alpha a + (1 - alpha) g and the denominator is
    /// sqrt(v - a^2) + eps, else sqrt(v) + eps. With momentum: buf = momentum buf + g / denom, p -= lr buf;
    /// else p -= lr g / denom. gradAvg and momentumBuffer are null when unused.
    /// </summary>
    long RmspropUpdate(Tensor grad, float gradScale, float lr, float alpha, float eps, float weightDecay, float momentum, bool guard,
        Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param);

    /// <summary>Adagrad. sum += g^2; p -= clr * g / (sqrt(sum) + eps), clr = lr / (1 + (t - 1) lrDecay) from the host.</summary>
    long AdagradUpdate(Tensor grad, float gradScale, float clr, float eps, float weightDecay, bool guard, Tensor sum, Tensor param);
}
