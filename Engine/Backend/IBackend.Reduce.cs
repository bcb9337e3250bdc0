// Reductions, embedding lookup and the fused softmax cross-entropy.
namespace Engine;

public partial interface IBackend
{
    /// <summary>Sum of all elements, accumulated in double in a fixed order.</summary>
    double Sum(Tensor x);

    /// <summary>
    /// y[0] = (float)(Sum(x) * scale), left on the device: a loss the host need not read. y: [1] (or
    /// any one-element shape).
    /// </summary>
    void ScaledSum(Tensor x, double scale, Tensor y);

    /// <summary>
    /// y[i] += (float)(s[0] * scale) for every i, s being a one-element tensor: a scalar's gradient
    /// broadcast without bringing it to the host (the same values as Fill then Axpy(1)).
    /// </summary>
    void AddScaledScalar(Tensor s, double scale, Tensor y);

    /// <summary>Sum of a[i] * b[i], accumulated in double in a fixed order.</summary>
    double Dot(Tensor a, Tensor b);

    /// <summary>y[n, :] = table[ids[n], :]. table: [V, E]; y: [N, E]. Every id must be in [0, V).</summary>
    void EmbeddingForward(Tensor table, int[] ids, Tensor y);

    /// <summary>dTable[ids[n], :] += dY[n, :], in order of n (deterministic). Accumulates.</summary>
    void EmbeddingBackward(Tensor dY, int[] ids, Tensor dTable);

    /// <summary>
    /// probs = softmax(logits) row by row (max-subtracted, so stable); returns the SUM over rows of
    /// -log p[n, targets[n]], computed from log-sum-exp (not from probs) in double.
    /// logits, probs: [N, V].
    /// </summary>
    double SoftmaxCrossEntropyForward(Tensor logits, int[] targets, Tensor probs);

    /// <summary>dLogits[n, v] += scale * (probs[n, v] - [v == targets[n]]). Accumulates.</summary>
    void SoftmaxCrossEntropyBackward(Tensor probs, int[] targets, float scale, Tensor dLogits);
}
