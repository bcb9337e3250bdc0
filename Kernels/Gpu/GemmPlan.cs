// How the tiled GEMM covers a product, chosen from its shape alone (never from the device or the
// grid), so a product has the same bits on every GPU and on the CPU accelerator. Two choices: the tile
// height (32 rows when M <= 32, so a batch of 32 fills its tile instead of padding half of it) and
// the K split: a product with few output tiles and a long K is cut into fixed K segments, each summed
// from zero by its own group, and the segment sums are added in segment order by a second pass.
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

/// <param name="TileRows">Rows of C per tile: GemmKernel.Tile or GemmKernel.SmallTile.</param>
/// <param name="Segments">K segments (1: no split).</param>
/// <param name="SegmentLength">K per segment, a multiple of GemmKernel.Slice (or K itself when not split).</param>
internal readonly record struct GemmPlan(int TileRows, int Segments, int SegmentLength)
{
    /// <summary>Fewest K values per segment: shorter segments would add more partials than work.</summary>
    public const int MinSegment = 128;

    /// <summary>
    /// Shortest K that is split. A split costs a second launch, which a per-step product of a time
    /// loop pays at every step; below this K a group walks at most 32 slices, short enough unsplit.
    /// </summary>
    public const int MinSplitK = 512;

    /// <summary>Tiles x segments the split aims for: about one group per multiprocessor of a large GPU.</summary>
    public const int TargetItems = 128;

    public static GemmPlan For(int m, int n, int k)
    {
        int tileRows = m <= GemmKernel.SmallTile ? GemmKernel.SmallTile : GemmKernel.Tile;
        long tiles = (long)((m + tileRows - 1) / tileRows) * ((n + GemmKernel.Tile - 1) / GemmKernel.Tile);
        if (tiles >= TargetItems || k < MinSplitK) return new GemmPlan(tileRows, 1, k);
        long wanted = Math.Min(k / MinSegment, (TargetItems + tiles - 1) / tiles);
        int length = (int)((k + wanted - 1) / wanted + GemmKernel.Slice - 1) / GemmKernel.Slice * GemmKernel.Slice;
        int segments = (k + length - 1) / length;
        // The partials take segments x M x N floats of scratch, indexed in int.
        if (segments < 2 || (long)segments * m * n > int.MaxValue) return new GemmPlan(tileRows, 1, k);
        return new GemmPlan(tileRows, segments, length);
    }
}
