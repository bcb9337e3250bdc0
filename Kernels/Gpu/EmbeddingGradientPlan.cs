// Host-side grouping of embedding rows by id, so the device can add every row's gradient into its
// table row in a fixed order without atomics. A counting sort: O(N + V). An id's rows are cut into
// chunks of at most ChunkRows, so no thread walks more than ChunkRows rows however frequent the id.
namespace Engine.Kernels.Gpu;

/// <summary>A step's ids and their gradient plan, one device table: [ids (N) | EmbeddingGradientPlan.Build's plan].</summary>
internal sealed record EmbeddingIds(int Count, int Groups, int Chunks, int[] Table)
{
    public static EmbeddingIds For(int[] ids, int vocabulary)
    {
        int[] plan = EmbeddingGradientPlan.Build(ids, vocabulary, EmbeddingGradientPlan.ChunkRows, out int groups, out int chunks);
        return new EmbeddingIds(ids.Length, groups, chunks, [.. ids, .. plan]);
    }
}

internal static class EmbeddingGradientPlan
{
    /// <summary>Most rows one thread adds: an id's rows past this are another chunk's, added by a second pass.</summary>
    public const int ChunkRows = 64;

    /// <summary>
    /// Packs [tableRows (G) | firstChunk (G + 1) | chunkStarts (C + 1) | chunkGroup (C) | order (N)]:
    /// the distinct ids in increasing order; the g-th of them owns chunks firstChunk[g] .. firstChunk[g + 1];
    /// chunk q holds the rows order[chunkStarts[q] .. chunkStarts[q + 1]), in increasing order, of id
    /// tableRows[chunkGroup[q]]. A chunk takes at most chunkRows rows.
    /// </summary>
    public static int[] Build(int[] ids, int vocabulary, int chunkRows, out int groups, out int chunks)
    {
        var counts = new int[vocabulary];
        foreach (int id in ids) counts[id]++;
        groups = 0;
        chunks = 0;
        foreach (int c in counts)
            if (c > 0) { groups++; chunks += (c + chunkRows - 1) / chunkRows; }

        var plan = new int[2 * groups + 1 + 2 * chunks + 1 + ids.Length];
        int firstChunk = groups, chunkStarts = 2 * groups + 1, chunkGroup = chunkStarts + chunks + 1, orderStart = chunkGroup + chunks;
        var next = new int[vocabulary]; // where the next row of each id goes in order
        int g = 0, q = 0, position = 0;
        for (int v = 0; v < vocabulary; v++)
        {
            if (counts[v] == 0) continue;
            plan[g] = v;
            plan[firstChunk + g] = q;
            for (int from = 0; from < counts[v]; from += chunkRows, q++)
            {
                plan[chunkStarts + q] = position + from;
                plan[chunkGroup + q] = g;
            }
            next[v] = position;
            position += counts[v];
            g++;
        }
        plan[firstChunk + groups] = q;
        plan[chunkStarts + chunks] = position;
        for (int r = 0; r < ids.Length; r++) plan[orderStart + next[ids[r]]++] = r;
        return plan;
    }
}
