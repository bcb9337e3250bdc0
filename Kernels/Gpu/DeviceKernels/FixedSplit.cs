// The split of a reduction into partials that no device property decides: partial c is the sum over
// elements [c * Chunk, (c + 1) * Chunk), taken by one warp of 32 lanes (lane l adds elements l, l + 32,
// ... in order), then combined in a fixed tree over the lanes. The grid, the group size and the
// multiprocessor count only decide which warp takes which chunk, so a sum has the same bits on any
// GPU, on the CPU accelerator and at any launch shape; the host (or ScaledTotal) adds the partials
// in chunk order. Groups are whole warps (256 threads on a GPU, 32 on the CPU accelerator).
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class FixedSplit
{
    /// <summary>Elements per partial.</summary>
    public const int Chunk = 4096;

    /// <summary>Lanes per chunk: a warp on every NVIDIA GPU, and on the CPU accelerator as GpuDevices sets it up.</summary>
    public const int Lanes = 32;

    /// <summary>How many partials a reduction over n elements has.</summary>
    public static int Partials(long n) => (int)((n + Chunk - 1) / Chunk);

    /// <summary>Rounds every warp of the grid takes part in (the same count for all, so barriers match).</summary>
    public static int Rounds(int partials) => (partials + WarpsInGrid - 1) / WarpsInGrid;

    /// <summary>The chunk this thread's warp takes in round r (may be past the last: then it adds nothing).</summary>
    public static int ChunkOf(int round) => round * WarpsInGrid + Grid.IdxX * (Group.DimX / Lanes) + Group.IdxX / Lanes;

    /// <summary>This lane's first element of chunk c; it then steps by Lanes up to End(c, n).</summary>
    public static long First(int c) => (long)c * Chunk + Group.IdxX % Lanes;

    /// <summary>One past chunk c's last element.</summary>
    public static long End(int c, long n) => Math.Min((long)(c + 1) * Chunk, n);

    private static int WarpsInGrid => Grid.DimX * (Group.DimX / Lanes);

    /// <summary>
    /// Sum of the 32 lanes' values of this thread's warp, in a fixed tree (lane l adds l + width for
    /// width 16, 8, 4, 2, 1), returned to every lane. Every thread of the group must call it.
    /// shared: [GroupSize].
    /// </summary>
    public static double WarpSum(ArrayView<double> shared, double value)
    {
        int t = Group.IdxX, lane = t % Lanes;
        shared[t] = value;
        Group.Barrier();
        for (int width = Lanes / 2; width > 0; width /= 2)
        {
            if (lane < width) shared[t] += shared[t + width];
            Group.Barrier();
        }
        double total = shared[t - lane];
        Group.Barrier(); // every lane has read its total before the caller reuses shared
        return total;
    }
}
