// Device kernels of the element-wise family: grid-stride loops over flat buffers. Each operation is
// an operator struct plugged into a generic kernel, so ILGPU compiles one specialised kernel per
// operation with no run-time switch. The arithmetic matches ReferenceBackend's expression for
// expression, so on the CPU accelerator results are bit-identical to it, tanh excepted (DeviceMath).
// On CUDA, ptxas may fuse a multiply and an add into one FMA (one rounding instead of two).
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal interface IBinaryOp
{
    float Apply(float a, float b);
}

internal readonly struct AddOp : IBinaryOp { public float Apply(float a, float b) => a + b; }
internal readonly struct SubOp : IBinaryOp { public float Apply(float a, float b) => a - b; }
internal readonly struct MulOp : IBinaryOp { public float Apply(float a, float b) => a * b; }

/// <summary>
/// An activation and its derivative as a function of the forward output y. These restate
/// Reference's Scalar.Activate/Derivative in a form ILGPU compiles (no enum switch that throws),
/// with tanh from DeviceMath.
/// </summary>
internal interface IActivation
{
    float Forward(float x, float slope);
    float Derivative(float y, float slope);
}

internal readonly struct IdentityAct : IActivation
{
    public float Forward(float x, float slope) => x;
    public float Derivative(float y, float slope) => 1f;
}

internal readonly struct SigmoidAct : IActivation
{
    public float Forward(float x, float slope) => 1f / (1f + MathF.Exp(-x));
    public float Derivative(float y, float slope) => y * (1f - y);
}

internal readonly struct TanhAct : IActivation
{
    public float Forward(float x, float slope) => DeviceMath.Tanh(x);
    public float Derivative(float y, float slope) => 1f - y * y;
}

internal readonly struct ReluAct : IActivation
{
    public float Forward(float x, float slope) => x > 0f ? x : 0f;
    public float Derivative(float y, float slope) => y > 0f ? 1f : 0f;
}

internal readonly struct LeakyReluAct : IActivation
{
    public float Forward(float x, float slope) => x > 0f ? x : slope * x;
    public float Derivative(float y, float slope) => y > 0f ? 1f : slope;
}

internal static class PointwiseKernels
{
    /// <summary>y = op(a, b). All: [n]; y may alias a or b.</summary>
    public static void Binary<TOp>(ArrayView<float> a, ArrayView<float> b, int n, ArrayView<float> y)
        where TOp : struct, IBinaryOp
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] = default(TOp).Apply(a[i], b[i]);
    }

    /// <summary>y += a * b. All: [n].</summary>
    public static void MulAccumulate(ArrayView<float> a, ArrayView<float> b, int n, ArrayView<float> y)
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] += a[i] * b[i];
    }

    /// <summary>y[i] += (float)(s[0] * scale): a scalar on the device broadcast into y. s: [1]; y: [n].</summary>
    public static void AddScaledScalar(ArrayView<float> s, double scale, int n, ArrayView<float> y)
    {
        float v = (float)(s[0] * scale);
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] += v;
    }

    /// <summary>y += alpha * x. Both: [n].</summary>
    public static void Axpy(ArrayView<float> x, int n, float alpha, ArrayView<float> y)
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] += alpha * x[i];
    }

    /// <summary>y = f(x). Both: [n].</summary>
    public static void ActivationForward<TAct>(ArrayView<float> x, int n, float slope, ArrayView<float> y)
        where TAct : struct, IActivation
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] = default(TAct).Forward(x[i], slope);
    }

    /// <summary>dX += dY * f'(y). All: [n].</summary>
    public static void ActivationBackward<TAct>(ArrayView<float> y, ArrayView<float> dY, int n, float slope, ArrayView<float> dX)
        where TAct : struct, IActivation
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) dX[i] += dY[i] * default(TAct).Derivative(y[i], slope);
    }

    /// <summary>
    /// dst[r, dstColumn + j] (+)= src[r, srcColumn + j] for j in [0, count). src: [R, Cs]; dst: [R, Cd].
    /// accumulate is 0 (overwrite) or 1 (add); it is the same for every thread, so it does not diverge.
    /// </summary>
    public static void CopyColumns(ArrayView<float> src, int rows, int srcColumns, int srcColumn,
        int count, int dstColumns, int dstColumn, int accumulate, ArrayView<float> dst)
    {
        int n = rows * count;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            int r = i / count, j = i % count;
            float v = src[r * srcColumns + srcColumn + j];
            int d = r * dstColumns + dstColumn + j;
            if (accumulate != 0) dst[d] += v;
            else dst[d] = v;
        }
    }
}
