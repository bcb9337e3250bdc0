// One thread's share of a GEMM slice on its way from global to shared memory: four values of op(A)
// and four of op(B) held in registers between the load (issued before the previous slice's math) and
// the store to shared memory (after the barrier). Named fields, not an array, so they stay in registers.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal struct GemmStaging
{
    private const int GroupSize = KernelGeometry.GroupSize;
    private float a0, a1, a2, a3, b0, b1, b2, b3;

    /// <summary>Loads op(A)[row0 .., k0 .. +16] and op(B)[k0 .. +16, col0 .. +64], zeros outside the matrix or past kEnd.</summary>
    public void Load(GemmArgs s, ArrayView<float> a, ArrayView<float> b, int row0, int col0, int k0, int kEnd)
    {
        int t = Group.IdxX;
        a0 = LoadA(s, a, row0, k0, kEnd, t);
        a1 = LoadA(s, a, row0, k0, kEnd, t + GroupSize);
        b0 = LoadB(s, b, col0, k0, kEnd, t);
        b1 = LoadB(s, b, col0, k0, kEnd, t + GroupSize);
        b2 = LoadB(s, b, col0, k0, kEnd, t + 2 * GroupSize);
        b3 = LoadB(s, b, col0, k0, kEnd, t + 3 * GroupSize);
        if (s.TileRows == GemmKernel.Tile)
        {
            a2 = LoadA(s, a, row0, k0, kEnd, t + 2 * GroupSize);
            a3 = LoadA(s, a, row0, k0, kEnd, t + 3 * GroupSize);
        }
    }

    /// <summary>Stores the loaded values at their places in the shared slices (float views of them).</summary>
    public readonly void Store(GemmArgs s, ArrayView<float> sharedA, ArrayView<float> sharedB)
    {
        int t = Group.IdxX;
        sharedA[IndexA(s, t)] = a0;
        sharedA[IndexA(s, t + GroupSize)] = a1;
        sharedB[IndexB(s, t)] = b0;
        sharedB[IndexB(s, t + GroupSize)] = b1;
        sharedB[IndexB(s, t + 2 * GroupSize)] = b2;
        sharedB[IndexB(s, t + 3 * GroupSize)] = b3;
        if (s.TileRows == GemmKernel.Tile)
        {
            sharedA[IndexA(s, t + 2 * GroupSize)] = a2;
            sharedA[IndexA(s, t + 3 * GroupSize)] = a3;
        }
    }

    // Load l of a slice: A stored [M, K] is contiguous along k, stored [K, M] along m (and B stored
    // [K, N] along n, [N, K] along k), so neighbouring threads read neighbouring addresses.
    private static int RowOfA(GemmArgs s, int l) => s.TransA == 0 ? l / GemmKernel.Slice : l % s.TileRows;
    private static int DepthOfA(GemmArgs s, int l) => s.TransA == 0 ? l % GemmKernel.Slice : l / s.TileRows;
    private static int ColumnOfB(GemmArgs s, int l) => s.TransB == 0 ? l % GemmKernel.Tile : l / GemmKernel.Slice;
    private static int DepthOfB(GemmArgs s, int l) => s.TransB == 0 ? l / GemmKernel.Tile : l % GemmKernel.Slice;

    private static int IndexA(GemmArgs s, int l) => DepthOfA(s, l) * GemmKernel.Pitch + RowOfA(s, l);
    private static int IndexB(GemmArgs s, int l) => DepthOfB(s, l) * GemmKernel.Pitch + ColumnOfB(s, l);

    private static float LoadA(GemmArgs s, ArrayView<float> a, int row0, int k0, int kEnd, int l)
    {
        int row = row0 + RowOfA(s, l), kk = k0 + DepthOfA(s, l);
        if (row >= s.M || kk >= kEnd) return 0f;
        return s.TransA == 0 ? a[row * s.K + kk] : a[kk * s.M + row];
    }

    private static float LoadB(GemmArgs s, ArrayView<float> b, int col0, int k0, int kEnd, int l)
    {
        int col = col0 + ColumnOfB(s, l), kk = k0 + DepthOfB(s, l);
        if (col >= s.N || kk >= kEnd) return 0f;
        return s.TransB == 0 ? b[kk * s.N + col] : b[col * s.K + kk];
    }
}
