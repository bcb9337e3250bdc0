// Device kernels for the bias broadcast and its backward, and the transpose that prepares a matrix. GEMM has its own file (GemmKernel.cs).
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class LinearKernels
{
    /// <summary>Rows one thread of the bias gradient adds before a second pass adds the blocks.</summary>
    public const int RowBlock = 64;

    /// <summary>y[r, c] = x[r, c] + bias[c]. x, y: [R, C] flattened to n; bias: [C]. y may be x.</summary>
    public static void AddBias(ArrayView<float> x, ArrayView<float> bias, int n, int columns, ArrayView<float> y)
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] = x[i] + bias[i % columns];
    }

    /// <summary>
    /// The bias gradient's first pass, one thread per (block of RowBlock rows, column): block b's
    /// rows added in order, block 0 starting from dBias[c], the others from zero, into
    /// partials[b, c]. With one block (rows <= RowBlock) partials is dBias itself and the sum is the
    /// reference's sequence of float additions, bit for bit. Neighbouring threads read neighbouring
    /// columns, so each row is read coalesced. dY: [R, C]; dBias: [C]; partials: [blocks, C].
    /// </summary>
    public static void BiasBackward(ArrayView<float> dY, int rows, int columns, ArrayView<float> dBias, ArrayView<float> partials)
    {
        int blocks = (rows + RowBlock - 1) / RowBlock, n = blocks * columns;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            int block = i / columns, c = i % columns;
            float sum = block == 0 ? dBias[c] : 0f;
            for (int r = block * RowBlock, end = Math.Min(rows, r + RowBlock); r < end; r++) sum += dY[r * columns + c];
            partials[i] = sum;
        }
    }

    /// <summary>The second pass over several blocks: dBias[c] = partials[0, c] + partials[1, c] + ..., in block order.</summary>
    public static void BiasBlockTotals(ArrayView<float> partials, int blocks, int columns, ArrayView<float> dBias)
    {
        for (int c = KernelGeometry.First; c < columns; c += KernelGeometry.Stride)
        {
            float total = partials[c];
            for (int b = 1; b < blocks; b++) total += partials[b * columns + c];
            dBias[c] = total;
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
