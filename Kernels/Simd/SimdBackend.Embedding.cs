// SIMD embedding lookup and its backward. Forward copies rows (vectorised block copies), split by rows
// over the cores; backward adds rows into the table in order of n, split by columns over the cores, so
// every table element receives its additions in the same order as in the reference: the result is
// bit-identical to it on any number of cores.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public partial class SimdBackend
{
    /// <summary>Below this many elements the embedding kernels run on one core: a hand-off would cost more.</summary>
    private const int ParallelEmbeddingElements = 1 << 14;

    public void EmbeddingForward(Tensor table, int[] ids, Tensor y)
    {
        int e = EmbeddingChecks.Width("EmbeddingForward", table, ids, "output", y);
        var T = table.Array(out int to); var Y = y.Array(out int yo);
        int parts = y.Length >= ParallelEmbeddingElements ? Cores.Count : 1;
        Cores.For(parts, part =>
        {
            for (int n = part * ids.Length / parts; n < (part + 1) * ids.Length / parts; n++)
                T.AsSpan(to + ids[n] * e, e).CopyTo(Y.AsSpan(yo + n * e, e));
        });
    }

    public void EmbeddingBackward(Tensor dY, int[] ids, Tensor dTable)
    {
        int e = EmbeddingChecks.Width("EmbeddingBackward", dTable, ids, "dY", dY);
        var D = dY.Array(out int dOff); var DT = dTable.Array(out int tOff);
        // Column ranges on 64-byte boundaries, so that two cores never share a cache line of the table.
        int parts = dY.Length >= ParallelEmbeddingElements && e >= 32 ? Cores.Count : 1;
        Cores.For(parts, part =>
        {
            int first = Math.Min(e, part * e / parts / 16 * 16), end = part == parts - 1 ? e : Math.Min(e, (part + 1) * e / parts / 16 * 16);
            for (int n = 0; n < ids.Length; n++)
            {
                var row = DT.AsSpan(tOff + ids[n] * e + first, end - first);
                TensorPrimitives.Add(row, D.AsSpan(dOff + n * e + first, end - first), row);
            }
        });
    }
}
