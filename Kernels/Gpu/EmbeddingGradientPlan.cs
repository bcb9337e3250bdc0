// Host-side grouping of embedding rows by id, so the device can add every row's gradient into its
// table row in the reference's order (increasing row index) without atomics. A counting sort: O(N + V).
namespace Engine.Kernels.Gpu;

internal static class EmbeddingGradientPlan
{
    /// <summary>
    /// Packs [tableRows (G) | starts (G + 1) | order (N)]: the distinct ids in increasing order, and for
    /// the g-th of them the rows order[starts[g] .. starts[g + 1]) that hold it, in increasing order.
    /// </summary>
    public static int[] Build(int[] ids, int vocabulary, out int groups)
    {
        var counts = new int[vocabulary];
        foreach (int id in ids) counts[id]++;
        groups = 0;
        foreach (int c in counts) if (c > 0) groups++;

        var plan = new int[2 * groups + 1 + ids.Length];
        var next = new int[vocabulary]; // where the next row of each id goes in order
        int g = 0, position = 0;
        for (int v = 0; v < vocabulary; v++)
        {
            if (counts[v] == 0) continue;
            plan[g] = v;
            plan[groups + g] = position;
            next[v] = position;
            position += counts[v];
            g++;
        }
        plan[2 * groups] = position;
        int orderStart = 2 * groups + 1;
        for (int r = 0; r < ids.Length; r++) plan[orderStart + next[ids[r]]++] = r;
        return plan;
    }
}
