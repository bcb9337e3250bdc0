// The fused softmax cross-entropy as the graph uses it, a mean over rows whose value and gradient
// seed stay on the backend's device: a GPU step then need not read the loss to form it, nor the
// seed to scale the backward.
namespace Engine;

public partial interface IBackend
{
    /// <summary>
    /// probs as SoftmaxCrossEntropyForward; loss[0] = (float)(its total / N), 0 when N is 0, left on
    /// the device. logits, probs: [N, V]; loss: [1] (or any one-element shape).
    /// </summary>
    void SoftmaxCrossEntropyMean(Tensor logits, int[] targets, Tensor probs, Tensor loss);

    /// <summary>
    /// SoftmaxCrossEntropyBackward with scale = dLoss[0] / N (in float), dLoss read on the device.
    /// Nothing when N is 0. Accumulates. probs, dLogits: [N, V]; dLoss: [1].
    /// </summary>
    void SoftmaxCrossEntropyMeanBackward(Tensor probs, int[] targets, Tensor dLoss, Tensor dLogits);
}
