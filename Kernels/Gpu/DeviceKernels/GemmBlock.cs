// One GEMM thread's accumulators: a 4 x 4 block of C (rows 4 ty .. +3, columns 4 tx .. +3), or its top
// 2 x 4 in the short tile. Sixteen named fields so they live in registers (an array would go to local
// memory); loops are unrolled by hand: ILGPU 1.5.3 does not unroll.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal struct GemmBlock
{
    private float c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;

    /// <summary>
    /// Adds the outer product of the staged op(A) column and op(B) row at depth p. Each is one 128-bit
    /// shared load (the short tile's two A rows are half of one). The products are written c += a * b:
    /// ILGPU emits mul.f32 and add.f32 without a rounding suffix, which lets ptxas fuse them into FMAs
    /// (MathF.FusedMultiplyAdd is no ILGPU intrinsic: it would become a call to an undefined PTX function).
    /// </summary>
    public void Step(ArrayView<Float4> sharedA, ArrayView<Float4> sharedB, int p, int tx, int ty, bool tall)
    {
        var b = sharedB[(p * GemmKernel.Pitch) / 4 + tx];
        var a = sharedA[(p * GemmKernel.Pitch) / 4 + (tall ? ty : ty / 2)];
        bool upper = tall || ty % 2 == 0;
        float a0 = upper ? a.X : a.Z, a1 = upper ? a.Y : a.W;
        c00 += a0 * b.X; c01 += a0 * b.Y; c02 += a0 * b.Z; c03 += a0 * b.W;
        c10 += a1 * b.X; c11 += a1 * b.Y; c12 += a1 * b.Z; c13 += a1 * b.W;
        if (!tall) return;
        c20 += a.Z * b.X; c21 += a.Z * b.Y; c22 += a.Z * b.Z; c23 += a.Z * b.W;
        c30 += a.W * b.X; c31 += a.W * b.Y; c32 += a.W * b.Z; c33 += a.W * b.W;
    }

    /// <summary>Writes alpha * block + beta * C for the block's elements inside C [M, N]. row, col: the block's first element.</summary>
    public readonly void Store(ArrayView<float> c, int m, int n, int row, int col, bool tall, float alpha, float beta)
    {
        StoreRow(c, m, n, row, col, alpha, beta, c00, c01, c02, c03);
        StoreRow(c, m, n, row + 1, col, alpha, beta, c10, c11, c12, c13);
        if (!tall) return;
        StoreRow(c, m, n, row + 2, col, alpha, beta, c20, c21, c22, c23);
        StoreRow(c, m, n, row + 3, col, alpha, beta, c30, c31, c32, c33);
    }

    private static void StoreRow(ArrayView<float> c, int m, int n, int row, int col, float alpha, float beta,
        float v0, float v1, float v2, float v3)
    {
        if (row >= m) return;
        StoreOne(c, n, row * n, col, alpha, beta, v0);
        StoreOne(c, n, row * n, col + 1, alpha, beta, v1);
        StoreOne(c, n, row * n, col + 2, alpha, beta, v2);
        StoreOne(c, n, row * n, col + 3, alpha, beta, v3);
    }

    private static void StoreOne(ArrayView<float> c, int n, int rowStart, int col, float alpha, float beta, float value)
    {
        if (col >= n) return;
        int index = rowStart + col;
        c[index] = GemmKernel.Epilogue(c, index, alpha, beta, value);
    }
}
