// The mean softmax cross-entropy of IBackend for backends whose tensors live in host memory: the
// backend's own forward and backward, with the mean formed from the total and the seed read directly.
namespace Engine.Kernels;

public static class SoftmaxMeanOnHost
{
    public static void Forward(IBackend k, Tensor logits, int[] targets, Tensor probs, Tensor loss)
    {
        ShapeOf.RequireLength("SoftmaxCrossEntropyMean", "loss", loss, 1);
        double total = k.SoftmaxCrossEntropyForward(logits, targets, probs);
        loss.Span()[0] = (float)(targets.Length == 0 ? 0 : total / targets.Length);
    }

    public static void Backward(IBackend k, Tensor probs, int[] targets, Tensor dLoss, Tensor dLogits)
    {
        ShapeOf.RequireLength("SoftmaxCrossEntropyMeanBackward", "dLoss", dLoss, 1);
        if (targets.Length == 0) return;
        k.SoftmaxCrossEntropyBackward(probs, targets, dLoss.Span()[0] / targets.Length, dLogits);
    }
}
