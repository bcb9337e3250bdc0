// Host-side cutting of the clip stage's segments (one per parameter) into chunks of at most Size
// elements: the unit of work of one group in the segment kernels. The table depends only on the
// segment lengths, so a reduction's order, and with it every norm, is the same on every call.
namespace Engine.Kernels.Gpu;

internal sealed class ClipChunks
{
    /// <summary>Elements per chunk: a warp's 32 lanes each add 128 of them, and a large parameter spreads over many warps.</summary>
    public const int Size = 4096;

    /// <summary>[starts (C) | lengths (C)]: chunk c covers x[starts[c], starts[c] + lengths[c]).</summary>
    public int[] Table { get; }

    /// <summary>The segment each chunk belongs to, in increasing order.</summary>
    public int[] SegmentOf { get; }

    public int Count => SegmentOf.Length;

    public ClipChunks(int[] offsets, int[] lengths)
    {
        var starts = new List<int>();
        var counts = new List<int>();
        var segments = new List<int>();
        for (int s = 0; s < offsets.Length; s++)
            for (int start = 0; start < lengths[s]; start += Size)
            {
                starts.Add(offsets[s] + start);
                counts.Add(Math.Min(Size, lengths[s] - start));
                segments.Add(s);
            }
        Table = [.. starts, .. counts];
        SegmentOf = [.. segments];
    }
}
