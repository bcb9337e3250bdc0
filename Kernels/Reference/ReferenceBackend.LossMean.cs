// The reference's mean softmax cross-entropy: its own forward and backward, the mean and the seed
// handled in host memory (SoftmaxMeanOnHost).
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public void SoftmaxCrossEntropyMean(Tensor logits, int[] targets, Tensor probs, Tensor loss)
        => SoftmaxMeanOnHost.Forward(this, logits, targets, probs, loss);

    public void SoftmaxCrossEntropyMeanBackward(Tensor probs, int[] targets, Tensor dLoss, Tensor dLogits)
        => SoftmaxMeanOnHost.Backward(this, probs, targets, dLoss, dLogits);
}
