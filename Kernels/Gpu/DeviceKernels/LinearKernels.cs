// Device kernels for the bias broadcast and its backward, and the transpose that prepares a matrix. GEMM has its own file (GemmKernel.cs).
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class LinearKernels
{
    /// <summary>y[r, c] = x[r, c] + bias[c]. x, y: [R, C] flattened to n; bias: [C]. y may be x.</summary>
    public static void AddBias(ArrayView<float> x, ArrayView<float> bias, int n, int columns, ArrayView<float> y)
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] = x[i] + bias[i % columns];
    }

    /// <summary>
    /// dBias[c] += dY[0, c] + dY[1, c] + ..., one thread per column adding rows in order: the same
    /// sequence of float additions as the reference, so the sum is deterministic and bit-identical
    /// to it. Neighbouring threads read neighbouring columns, so each row is read coalesced.
    /// dY: [R, C]; dBias: [C].
    /// </summary>
    public static void BiasBackward(ArrayView<float> dY, int rows, int columns, ArrayView<float> dBias)
    {
        for (int c = KernelGeometry.First; c < columns; c += KernelGeometry.Stride)
        {
            float sum = dBias[c];
            for (int r = 0; r < rows; r++) sum += dY[r * columns + c];
            dBias[c] = sum;
        }
    }

    /// <summary>y[c, r] = x[r, c]: x [R, C] to y [C, R] (a prepared W_hh^T, once per pass).</summary>
    public static void Transpose(ArrayView<float> x, int rows, int columns, ArrayView<float> y)
    {
        int n = rows * columns;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            int r = i / columns, col = i % columns;
            y[col * rows + r] = x[i];
        }
    }
}
