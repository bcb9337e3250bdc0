// Tiled single-precision GEMM, C = alpha * op(A) * op(B) + beta * C, for all four transpose
// combinations in one kernel. Not a cuBLAS replacement: no tensor cores, no split-K, one tile shape.
//
// Each group of 16 x 16 threads computes a 64 x 64 tile of C. The K axis is walked in slices of 16:
// the group stages a 64 x 16 slice of op(A) and a 16 x 64 slice of op(B) in shared memory, then every
// thread accumulates a 4 x 4 block of C in registers (register blocking: 8 shared loads feed 16
// multiply-adds). A thread owns rows ty + 16 i and columns tx + 16 j (i, j < 4), so a warp
// reads one broadcast A value and 16 consecutive B values per step, and stores consecutive columns.
// Each C element is summed over k in increasing order by one thread: the result does not depend on
// the grid, and repeated calls are bit-identical.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class GemmKernel
{
    public const int Tile = 64;       // rows and columns of C per group
    public const int Slice = 16;      // K depth staged in shared memory at a time
    private const int Threads = 16;   // threads along each side of the group: Threads^2 == GroupSize
    private const int Pitch = Tile + 1; // shared row pitch; the pad spreads strided stores over banks
    private const int LoadsPerThread = Tile * Slice / KernelGeometry.GroupSize;

    /// <summary>
    /// C[M, N] = alpha * op(A) op(B) + beta * C; beta == 0 ignores C's old contents. A is [M, K], or
    /// [K, M] when transA != 0; B is [K, N], or [N, K] when transB != 0. Groups loop over tiles, so any
    /// grid size is correct.
    /// </summary>
    public static void Gemm(ArrayView<float> a, ArrayView<float> b, int m, int n, int k, int transA, int transB,
        float alpha, float beta, ArrayView<float> c)
    {
        var sharedA = SharedMemory.Allocate<float>(Slice * Pitch); // [p * Pitch + i] = op(A)[row0 + i, k0 + p]
        var sharedB = SharedMemory.Allocate<float>(Slice * Pitch); // [p * Pitch + j] = op(B)[k0 + p, col0 + j]
        int tx = Group.IdxX % Threads, ty = Group.IdxX / Threads;
        int tileColumns = (n + Tile - 1) / Tile;
        int tiles = (m + Tile - 1) / Tile * tileColumns;
        for (int tile = Grid.IdxX; tile < tiles; tile += Grid.DimX)
        {
            int row0 = tile / tileColumns * Tile, col0 = tile % tileColumns * Tile;
            var block = new Block4x4();
            for (int k0 = 0; k0 < k; k0 += Slice)
            {
                StageA(a, m, k, transA, row0, k0, sharedA);
                StageB(b, n, k, transB, col0, k0, sharedB);
                Group.Barrier();
                for (int p = 0; p < Slice; p += 4)
                {
                    int ai = p * Pitch + ty, bi = p * Pitch + tx;
                    block.Step(sharedA, sharedB, ai, bi);
                    block.Step(sharedA, sharedB, ai + Pitch, bi + Pitch);
                    block.Step(sharedA, sharedB, ai + 2 * Pitch, bi + 2 * Pitch);
                    block.Step(sharedA, sharedB, ai + 3 * Pitch, bi + 3 * Pitch);
                }
                Group.Barrier(); // the slice is consumed before the next one overwrites it
            }
            block.Store(c, m, n, row0 + ty, col0 + tx, alpha, beta);
        }
    }

    /// <summary>Stages op(A)[row0 .. +64, k0 .. +16] (zeros outside the matrix); neighbouring threads read neighbouring addresses.</summary>
    private static void StageA(ArrayView<float> a, int m, int k, int transA, int row0, int k0, ArrayView<float> shared)
    {
        for (int s = 0; s < LoadsPerThread; s++)
        {
            int l = Group.IdxX + s * KernelGeometry.GroupSize;
            // A stored [M, K] is contiguous along k; stored [K, M] it is contiguous along m.
            int i = transA == 0 ? l / Slice : l % Tile;
            int p = transA == 0 ? l % Slice : l / Tile;
            int row = row0 + i, kk = k0 + p;
            float v = 0f;
            if (row < m && kk < k) v = transA == 0 ? a[row * k + kk] : a[kk * m + row];
            shared[p * Pitch + i] = v;
        }
    }

    /// <summary>Stages op(B)[k0 .. +16, col0 .. +64] (zeros outside the matrix).</summary>
    private static void StageB(ArrayView<float> b, int n, int k, int transB, int col0, int k0, ArrayView<float> shared)
    {
        for (int s = 0; s < LoadsPerThread; s++)
        {
            int l = Group.IdxX + s * KernelGeometry.GroupSize;
            // B stored [K, N] is contiguous along n; stored [N, K] it is contiguous along k.
            int j = transB == 0 ? l % Tile : l / Slice;
            int p = transB == 0 ? l / Tile : l % Slice;
            int col = col0 + j, kk = k0 + p;
            float v = 0f;
            if (col < n && kk < k) v = transB == 0 ? b[kk * n + col] : b[col * k + kk];
            shared[p * Pitch + j] = v;
        }
    }

    /// <summary>
    /// One thread's 4 x 4 accumulators, as sixteen named fields so they live in registers (an array
    /// would go to local memory). Loops are unrolled by hand: ILGPU 1.5.3 does not unroll. The
    /// products are written c += a * b: ILGPU emits mul.f32 and add.f32 without a rounding suffix,
    /// which lets ptxas fuse them into FMAs (MathF.FusedMultiplyAdd is no ILGPU intrinsic: it would
    /// become a call to an undefined PTX function).
    /// </summary>
    private struct Block4x4
    {
        private float c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;

        /// <summary>Adds the outer product of one staged A column (rows ty + 16 i) and B row (columns tx + 16 j).</summary>
        public void Step(ArrayView<float> sharedA, ArrayView<float> sharedB, int ai, int bi)
        {
            float a0 = sharedA[ai], a1 = sharedA[ai + Threads], a2 = sharedA[ai + 2 * Threads], a3 = sharedA[ai + 3 * Threads];
            float b0 = sharedB[bi], b1 = sharedB[bi + Threads], b2 = sharedB[bi + 2 * Threads], b3 = sharedB[bi + 3 * Threads];
            c00 += a0 * b0; c01 += a0 * b1;
            c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1;
            c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1;
            c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1;
            c32 += a3 * b2; c33 += a3 * b3;
        }

        /// <summary>Writes alpha * block + beta * C for the block's elements inside C. row, col: the block's first element.</summary>
        public readonly void Store(ArrayView<float> c, int m, int n, int row, int col, float alpha, float beta)
        {
            StoreRow(c, m, n, row, col, alpha, beta, c00, c01, c02, c03);
            StoreRow(c, m, n, row + Threads, col, alpha, beta, c10, c11, c12, c13);
            StoreRow(c, m, n, row + 2 * Threads, col, alpha, beta, c20, c21, c22, c23);
            StoreRow(c, m, n, row + 3 * Threads, col, alpha, beta, c30, c31, c32, c33);
        }

        private static void StoreRow(ArrayView<float> c, int m, int n, int row, int col, float alpha, float beta,
            float v0, float v1, float v2, float v3)
        {
            if (row >= m) return;
            StoreOne(c, n, row * n, col, alpha, beta, v0);
            StoreOne(c, n, row * n, col + Threads, alpha, beta, v1);
            StoreOne(c, n, row * n, col + 2 * Threads, alpha, beta, v2);
            StoreOne(c, n, row * n, col + 3 * Threads, alpha, beta, v3);
        }

        private static void StoreOne(ArrayView<float> c, int n, int rowStart, int col, float alpha, float beta, float value)
        {
            if (col >= n) return;
            int index = rowStart + col;
            float scaled = alpha * value;
            c[index] = beta == 0f ? scaled : scaled + beta * c[index];
        }
    }
}
