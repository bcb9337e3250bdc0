// Normalisation and dropout ops: layer normalisation over the last axis (PyTorch's nn.LayerNorm) and
// inverted dropout with a mask the caller drew, so that the graph itself stays free of randomness.
namespace Engine;

public sealed partial class Graph
{
    /// <summary>PyTorch's default epsilon of nn.LayerNorm.</summary>
    public const float LayerNormEps = 1e-5f;

    /// <summary>y = LayerNorm(x) over the last axis, with a learned weight and bias [H]; x: [..., H].</summary>
    public Var LayerNorm(Var x, Var weight, Var bias, float eps = LayerNormEps)
    {
        int hidden = weight.Value.Length;
        if (x.Shape[^1] != hidden || bias.Value.Length != hidden)
            throw new ArgumentException($"LayerNorm: input {ShapeOf.Format(x.Shape)}, weight {ShapeOf.Format(weight.Shape)} and bias {ShapeOf.Format(bias.Shape)} disagree on the normalised width");
        bool tracked = Tracks(x, weight, bias);
        var y = Output(x.Shape, tracked);
        var mean = Scratch([x.Value.Length / hidden], zeroed: false);
        var rstd = Scratch([x.Value.Length / hidden], zeroed: false);
        Backend.LayerNormForward(x.Value, weight.Value, bias.Value, eps, y.Value, mean, rstd);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is null) return;
                // The kernel writes all three gradients; those nobody asked for go to scratch.
                var dX = x.RequiresGrad ? GradOf(x) : Scratch(x.Shape, zeroed: true);
                var dW = weight.RequiresGrad ? GradOf(weight) : Scratch(weight.Shape, zeroed: true);
                var dB = bias.RequiresGrad ? GradOf(bias) : Scratch(bias.Shape, zeroed: true);
                Backend.LayerNormBackward(x.Value, weight.Value, mean, rstd, y.Grad, dX, dW, dB);
            });
        return y;
    }

    /// <summary>
    /// Inverted dropout: y = x * mask, the mask holding 0 for a dropped unit and 1 / (1 - p) for a kept
    /// one (so nothing changes in expectation and evaluation needs no rescaling). dX += dY * mask.
    /// </summary>
    public Var Dropout(Var x, Tensor mask) => Mul(x, Constant(mask));
}
