// Element-wise family on ILGPU: arithmetic, activations and column copies. Each kernel is loaded
// (compiled) on first use and kept for the backend's lifetime.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

using BinaryKernel = Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>;
using ForwardKernel = Action<KernelConfig, ArrayView<float>, int, float, ArrayView<float>>;
using BackwardKernel = Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, float, ArrayView<float>>;

public sealed partial class GpuBackend
{
    private BinaryKernel? add, sub, mul, mulAccumulate;
    private Action<KernelConfig, ArrayView<float>, int, float, ArrayView<float>>? axpy;
    private readonly Dictionary<Activation, (ForwardKernel Forward, BackwardKernel Backward)> activations = new();
    private Action<KernelConfig, ArrayView<float>, int, int, int, int, int, int, int, ArrayView<float>>? copyColumns;

    public void Add(Tensor a, Tensor b, Tensor y) => Binary("Add", a, b, y, add ??= LoadBinary<AddOp>());
    public void Sub(Tensor a, Tensor b, Tensor y) => Binary("Sub", a, b, y, sub ??= LoadBinary<SubOp>());
    public void Mul(Tensor a, Tensor b, Tensor y) => Binary("Mul", a, b, y, mul ??= LoadBinary<MulOp>());

    public void MulAccumulate(Tensor a, Tensor b, Tensor y) =>
        Binary("MulAccumulate", a, b, y, mulAccumulate ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, ArrayView<float>>(PointwiseKernels.MulAccumulate));

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        ShapeOf.RequireLength("Axpy", "y", y, x.Length);
        var (vx, vy) = (View(x), View(y));
        if (x.Length == 0) return;
        axpy ??= accelerator.LoadStreamKernel<ArrayView<float>, int, float, ArrayView<float>>(PointwiseKernels.Axpy);
        axpy(Spread(x.Length), vx, x.Length, alpha, vy);
    }

    public void ActivationForward(Activation f, float slope, Tensor x, Tensor y)
    {
        ShapeOf.RequireLength("ActivationForward", "y", y, x.Length);
        var (vx, vy) = (View(x), View(y));
        var kernels = ActivationKernels(f);
        if (x.Length == 0) return;
        kernels.Forward(Spread(x.Length), vx, x.Length, slope, vy);
    }

    public void ActivationBackward(Activation f, float slope, Tensor y, Tensor dY, Tensor dX)
    {
        ShapeOf.RequireLength("ActivationBackward", "dY", dY, y.Length);
        ShapeOf.RequireLength("ActivationBackward", "dX", dX, y.Length);
        var (vy, vdY, vdX) = (View(y), View(dY), View(dX));
        var kernels = ActivationKernels(f);
        if (y.Length == 0) return;
        kernels.Backward(Spread(y.Length), vy, vdY, y.Length, slope, vdX);
    }

    public void CopyColumns(Tensor src, int srcColumn, Tensor dst, int dstColumn, int count, bool accumulate)
    {
        int rows = src.Rows, cs = src.Columns, cd = dst.Columns;
        if (dst.Rows != rows || count < 0 || srcColumn < 0 || dstColumn < 0 || srcColumn + count > cs || dstColumn + count > cd)
            throw new ArgumentException($"CopyColumns: {count} columns from {srcColumn} of {ShapeOf.Format(src.Shape)} to {dstColumn} of {ShapeOf.Format(dst.Shape)} do not fit");
        var (vs, vd) = (View(src), View(dst));
        if (rows * count == 0) return;
        copyColumns ??= accelerator.LoadStreamKernel<ArrayView<float>, int, int, int, int, int, int, int, ArrayView<float>>(PointwiseKernels.CopyColumns);
        copyColumns(Spread(rows * count), vs, rows, cs, srcColumn, count, cd, dstColumn, accumulate ? 1 : 0, vd);
    }

    private void Binary(string op, Tensor a, Tensor b, Tensor y, BinaryKernel kernel)
    {
        ShapeOf.RequireLength(op, "second operand", b, a.Length);
        ShapeOf.RequireLength(op, "destination", y, a.Length);
        var (va, vb, vy) = (View(a), View(b), View(y));
        if (a.Length == 0) return;
        kernel(Spread(a.Length), va, vb, a.Length, vy);
    }

    private BinaryKernel LoadBinary<TOp>() where TOp : struct, IBinaryOp =>
        accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, ArrayView<float>>(PointwiseKernels.Binary<TOp>);

    private (ForwardKernel Forward, BackwardKernel Backward) ActivationKernels(Activation f)
    {
        if (activations.TryGetValue(f, out var kernels)) return kernels;
        kernels = f switch
        {
            Activation.Identity => LoadActivation<IdentityAct>(),
            Activation.Sigmoid => LoadActivation<SigmoidAct>(),
            Activation.Tanh => LoadActivation<TanhAct>(),
            Activation.Relu => LoadActivation<ReluAct>(),
            Activation.LeakyRelu => LoadActivation<LeakyReluAct>(),
            _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation"),
        };
        activations[f] = kernels;
        return kernels;
    }

    private (ForwardKernel, BackwardKernel) LoadActivation<TAct>() where TAct : struct, IActivation =>
        (accelerator.LoadStreamKernel<ArrayView<float>, int, float, ArrayView<float>>(PointwiseKernels.ActivationForward<TAct>),
         accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, float, ArrayView<float>>(PointwiseKernels.ActivationBackward<TAct>));
}
