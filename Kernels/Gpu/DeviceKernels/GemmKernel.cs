// Tiled single-precision GEMM, C = alpha * op(A) * op(B) + beta * C, for all four transpose
// combinations in one kernel, with an optional K split (GemmPlan picks both from the shape). Not a
// cuBLAS replacement: no tensor cores, two tile heights.
//
// Each group of 16 x 16 threads computes a 64 x 64 tile of C (or 32 x 64 when M <= 32). The K axis is
// walked in slices of 16: the group stages a slice of op(A) and of op(B) in shared memory, every
// thread accumulating a 4 x 4 (or 2 x 4) block of C in registers from two 128-bit shared loads per
// step. The next slice's global loads are issued into registers before the current slice is
// consumed, and stored to shared memory after the barrier, so their latency hides behind the math.
// Each C element is summed over its K range in increasing k order from zero by one thread; with a
// K split, the segments' sums are then added in segment order by SumSegments. Neither depends on
// the grid, so repeated calls and different devices give the same bits.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

/// <summary>The GEMM's scalar arguments and its plan (ILGPU launches take a bounded number of arguments).</summary>
internal readonly record struct GemmArgs(int M, int N, int K, int TransA, int TransB, float Alpha, float Beta,
    int TileRows, int Segments, int SegmentLength);

internal static class GemmKernel
{
    public const int Tile = 64;        // columns of C per group, and rows of the tall tile
    public const int SmallTile = 32;   // rows of the short tile, for M <= 32
    public const int Slice = 16;       // K depth staged in shared memory at a time
    public const int Threads = 16;     // threads along each side of the group: Threads^2 == GroupSize
    public const int Pitch = Tile + 4; // shared row pitch: a multiple of 4 floats (128-bit loads); the pad spreads the staging stores over banks

    /// <summary>
    /// One tile of one K segment per group and round; groups loop over (tile, segment) items, so any
    /// grid size is correct. Unsplit: writes alpha * sum + beta * C (beta == 0 ignores C's old
    /// contents). Split: writes segment s's raw sums to partials[s, M, N] for SumSegments.
    /// A is [M, K], or [K, M] when TransA != 0; B is [K, N], or [N, K] when TransB != 0.
    /// </summary>
    public static void Gemm(GemmArgs s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> partials)
    {
        var sharedA = SharedMemory.Allocate<Float4>(Slice * Pitch / 4); // [p * Pitch + i] = op(A)[row0 + i, k0 + p]
        var sharedB = SharedMemory.Allocate<Float4>(Slice * Pitch / 4); // [p * Pitch + j] = op(B)[k0 + p, col0 + j]
        int tx = Group.IdxX % Threads, ty = Group.IdxX / Threads;
        int tileColumns = (s.N + Tile - 1) / Tile;
        int tiles = (s.M + s.TileRows - 1) / s.TileRows * tileColumns;
        int items = tiles * s.Segments;
        bool tall = s.TileRows == Tile;
        for (int item = Grid.IdxX; item < items; item += Grid.DimX)
        {
            int tile = item / s.Segments, segment = item % s.Segments;
            int row0 = tile / tileColumns * s.TileRows, col0 = tile % tileColumns * Tile;
            int kBegin = segment * s.SegmentLength, kEnd = Math.Min(s.K, kBegin + s.SegmentLength);
            var block = new GemmBlock();
            var staged = new GemmStaging();
            if (kBegin < kEnd) staged.Load(s, a, b, row0, col0, kBegin, kEnd);
            for (int k0 = kBegin; k0 < kEnd; k0 += Slice)
            {
                staged.Store(s, sharedA.Cast<float>(), sharedB.Cast<float>());
                Group.Barrier();
                if (k0 + Slice < kEnd) staged.Load(s, a, b, row0, col0, k0 + Slice, kEnd); // in flight during the math below
                for (int p = 0; p < Slice; p += 4)
                {
                    block.Step(sharedA, sharedB, p, tx, ty, tall);
                    block.Step(sharedA, sharedB, p + 1, tx, ty, tall);
                    block.Step(sharedA, sharedB, p + 2, tx, ty, tall);
                    block.Step(sharedA, sharedB, p + 3, tx, ty, tall);
                }
                Group.Barrier(); // the slice is consumed before the next one overwrites it
            }
            int row = row0 + ty * (tall ? 4 : 2), col = col0 + tx * 4;
            if (s.Segments == 1) block.Store(c, s.M, s.N, row, col, tall, s.Alpha, s.Beta);
            else block.Store(partials.SubView((long)segment * s.M * s.N, (long)s.M * s.N), s.M, s.N, row, col, tall, 1f, 0f);
        }
    }

    /// <summary>
    /// The split GEMM's second pass: c[i] = alpha * (partials[0, i] + partials[1, i] + ...) + beta * c[i],
    /// the segments added in increasing order. partials: [Segments, M, N]; c: [M, N].
    /// </summary>
    public static void SumSegments(GemmArgs s, ArrayView<float> partials, ArrayView<float> c)
    {
        int n = s.M * s.N;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            float total = partials[i];
            for (int segment = 1; segment < s.Segments; segment++) total += partials[segment * n + i];
            c[i] = Epilogue(c, i, s.Alpha, s.Beta, total);
        }
    }

    /// <summary>alpha * value + beta * c[index], or alpha * value when beta == 0 (c's old contents ignored, even NaN).</summary>
    public static float Epilogue(ArrayView<float> c, int index, float alpha, float beta, float value)
    {
        float scaled = alpha * value;
        return beta == 0f ? scaled : scaled + beta * c[index];
    }
}

/// <summary>Four consecutive floats: a 128-bit shared-memory load.</summary>
internal struct Float4
{
    public float X, Y, Z, W;
}
