// SimdBackend: the CPU backend used for real work. It overrides the reference kernels with
// vectorised ones (TensorPrimitives where it covers the op, hand-written Vector256/512 code where
// it does not) and is tested against ReferenceBackend on every kernel.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public partial class SimdBackend : ReferenceBackend
{
    public override string Name => "cpu";

    public override void Fill(float value, Tensor destination) => destination.Span().Fill(value);

    public override void Add(Tensor a, Tensor b, Tensor y) => TensorPrimitives.Add(a.Span(), b.Span(), y.Span());
    public override void Sub(Tensor a, Tensor b, Tensor y) => TensorPrimitives.Subtract(a.Span(), b.Span(), y.Span());
    public override void Mul(Tensor a, Tensor b, Tensor y) => TensorPrimitives.Multiply(a.Span(), b.Span(), y.Span());

    public override void MulAccumulate(Tensor a, Tensor b, Tensor y)
        => TensorPrimitives.FusedMultiplyAdd(a.Span(), b.Span(), y.Span(), y.Span());

    public override void Axpy(float alpha, Tensor x, Tensor y)
        => TensorPrimitives.FusedMultiplyAdd(x.Span(), alpha, y.Span(), y.Span());
}
