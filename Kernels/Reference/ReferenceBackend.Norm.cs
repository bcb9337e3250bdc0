// Reference layer normalisation: LayerNormRows on the tensors' own memory.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual void LayerNormForward(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        LayerNormRows.Hidden("LayerNormForward", x, weight, mean, rstd, y);
        ShapeOf.RequireLength("LayerNormForward", "bias", bias, weight.Length);
        LayerNormRows.Forward(x.Span(), weight.Span(), bias.Span(), eps, y.Span(), mean.Span(), rstd.Span());
    }

    public virtual void LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dY, Tensor dX, Tensor dWeight, Tensor dBias)
    {
        LayerNormRows.Hidden("LayerNormBackward", x, weight, mean, rstd, dY, dX);
        ShapeOf.RequireLength("LayerNormBackward", "dWeight", dWeight, weight.Length);
        ShapeOf.RequireLength("LayerNormBackward", "dBias", dBias, weight.Length);
        LayerNormRows.Backward(x.Span(), weight.Span(), mean.Span(), rstd.Span(), dY.Span(), dX.Span(), dWeight.Span(), dBias.Span());
    }
}
