// Device kernels for reductions, embedding lookup and the fused softmax cross-entropy. Every sum is
// taken in a fixed order (never by thread timing), so results repeat bit for bit; Sum and Dot split
// by FixedSplit, so their bits do not depend on the device or the launch shape either. The host finishes what needs double-precision transcendentals or a final ordered sum.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class ReduceKernels
{
    /// <summary>
    /// partials[c] = sum of x over chunk c of the fixed split (FixedSplit), in double. x: [n];
    /// partials: [FixedSplit.Partials(n)].
    /// </summary>
    public static void SumPartials(ArrayView<float> x, int n, ArrayView<double> partials)
    {
        var shared = SharedMemory.Allocate<double>(KernelGeometry.GroupSize);
        int count = FixedSplit.Partials(n);
        for (int round = 0, rounds = FixedSplit.Rounds(count); round < rounds; round++)
        {
            int c = FixedSplit.ChunkOf(round);
            double sum = 0;
            for (long i = FixedSplit.First(c), end = FixedSplit.End(c, n); i < end; i += FixedSplit.Lanes) sum += x[i];
            sum = FixedSplit.WarpSum(shared, sum);
            if (Group.IdxX % FixedSplit.Lanes == 0 && c < count) partials[c] = sum;
        }
    }

    /// <summary>As SumPartials for the products a[i] * b[i], each formed in double. a, b: [n].</summary>
    public static void DotPartials(ArrayView<float> a, ArrayView<float> b, int n, ArrayView<double> partials)
    {
        var shared = SharedMemory.Allocate<double>(KernelGeometry.GroupSize);
        int count = FixedSplit.Partials(n);
        for (int round = 0, rounds = FixedSplit.Rounds(count); round < rounds; round++)
        {
            int c = FixedSplit.ChunkOf(round);
            double sum = 0;
            for (long i = FixedSplit.First(c), end = FixedSplit.End(c, n); i < end; i += FixedSplit.Lanes) sum += (double)a[i] * b[i];
            sum = FixedSplit.WarpSum(shared, sum);
            if (Group.IdxX % FixedSplit.Lanes == 0 && c < count) partials[c] = sum;
        }
    }

    /// <summary>
    /// y[0] = (float)(total * scale / divisor), total being the partials added in index order in
    /// double: the host's finish of a sum (divisor 1) or of a mean (scale 1, both exact), done on the
    /// device so the result need not travel. One thread works.
    /// </summary>
    public static void ScaledTotal(ArrayView<double> partials, int count, double scale, double divisor, ArrayView<float> y)
    {
        if (Grid.GlobalIndex.X != 0) return;
        double total = 0;
        for (int p = 0; p < count; p++) total += partials[p];
        y[0] = (float)(total * scale / divisor);
    }

    /// <summary>y[r, j] = table[ids[r], j]. table: [V, E]; ids: [N] (checked on the host); y: [N, E].</summary>
    public static void EmbeddingForward(ArrayView<float> table, ArrayView<int> ids, int rows, int width, ArrayView<float> y)
    {
        int n = rows * width;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
            y[i] = table[ids[i / width] * width + i % width];
    }

    /// <summary>
    /// The embedding gradient's first pass: dTable[v, j] += dY[r, j] for every r with ids[r] == v, in
    /// increasing r, without atomics. The host groups rows by id and cuts each id's rows into chunks
    /// (EmbeddingGradientPlan); one thread per (chunk, column) adds its chunk's rows in order, the
    /// id's first chunk starting from dTable[v, j], the others from zero. An id with one chunk is
    /// written to dTable at once (the reference's order exactly); the sums of an id with several go
    /// to partials[q, j] for EmbeddingChunkTotals. Neighbouring threads take neighbouring columns.
    /// dY: [N, E]; tableRows, firstChunk: [G], [G + 1]; chunkStarts, chunkGroup: [C + 1], [C];
    /// order: [N]; dTable: [V, E]; partials: [C, E].
    /// </summary>
    public static void EmbeddingBackward(ArrayView<float> dY, ArrayView<int> tableRows, ArrayView<int> firstChunk,
        ArrayView<int> chunkStarts, ArrayView<int> chunkGroup, ArrayView<int> order, int chunks, int width,
        ArrayView<float> dTable, ArrayView<float> partials)
    {
        int n = chunks * width;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            int q = i / width, j = i % width, g = chunkGroup[q];
            int target = tableRows[g] * width + j;
            bool first = q == firstChunk[g], only = firstChunk[g + 1] - firstChunk[g] == 1;
            float sum = first ? dTable[target] : 0f;
            for (int p = chunkStarts[q]; p < chunkStarts[q + 1]; p++) sum += dY[order[p] * width + j];
            if (only) dTable[target] = sum;
            else partials[i] = sum;
        }
    }

    /// <summary>
    /// The embedding gradient's second pass: for each id with several chunks, dTable[v, j] = the
    /// chunks' partials added in chunk order. Ids with one chunk were written by the first pass.
    /// tableRows, firstChunk: [G], [G + 1]; partials: [C, E]; dTable: [V, E].
    /// </summary>
    public static void EmbeddingChunkTotals(ArrayView<int> tableRows, ArrayView<int> firstChunk, int groups, int width,
        ArrayView<float> partials, ArrayView<float> dTable)
    {
        int n = groups * width;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            int g = i / width, j = i % width, q0 = firstChunk[g], q1 = firstChunk[g + 1];
            if (q1 - q0 == 1) continue;
            float total = partials[q0 * width + j];
            for (int q = q0 + 1; q < q1; q++) total += partials[q * width + j];
            dTable[tableRows[g] * width + j] = total;
        }
    }

    /// <summary>
    /// Softmax of each row, one group per row. Writes probs and each row's loss -log p[target] =
    /// log(sum) + max - logits[r, target] in double (sum of exp(logit - max) in a fixed tree order),
    /// the reference's expression. logits, probs: [N, V]; targets: [N] (checked on the host); losses: [N].
    /// </summary>
    public static void SoftmaxRows(ArrayView<float> logits, ArrayView<int> targets, int rows, int classes,
        ArrayView<float> probs, ArrayView<double> losses)
    {
        var sharedMax = SharedMemory.Allocate<float>(KernelGeometry.GroupSize);
        var sharedSum = SharedMemory.Allocate<double>(KernelGeometry.GroupSize);
        for (int r = Grid.IdxX; r < rows; r += Grid.DimX)
        {
            int start = r * classes;
            float max = float.NegativeInfinity;
            for (int j = Group.IdxX; j < classes; j += Group.DimX) max = DeviceMath.Max(max, logits[start + j]);
            max = GroupReduce.Max(sharedMax, max);

            // Each thread keeps exp(logit - max) in probs for its own columns, then scales them: no
            // other thread touches those columns, so no barrier is needed between the two passes.
            double sum = 0;
            for (int j = Group.IdxX; j < classes; j += Group.DimX)
            {
                float e = MathF.Exp(logits[start + j] - max);
                probs[start + j] = e;
                sum += e;
            }
            sum = GroupReduce.Sum(sharedSum, sum);
            float inverse = (float)(1.0 / sum);
            for (int j = Group.IdxX; j < classes; j += Group.DimX) probs[start + j] *= inverse;

            if (Group.IsFirstThread) losses[r] = Math.Log(sum) + max - logits[start + targets[r]];
        }
    }

    /// <summary>
    /// dLogits[r, j] += scale * (probs[r, j] - [j == targets[r]]), scale being the argument, or
    /// dLoss[0] / N in float when fromLoss != 0 (the mean's gradient seed, read on the device).
    /// probs, dLogits: [N, V]; targets: [N]; dLoss: [1].
    /// </summary>
    public static void SoftmaxCrossEntropyBackward(ArrayView<float> probs, ArrayView<int> targets, int rows, int classes,
        float scale, ArrayView<float> dLoss, int fromLoss, ArrayView<float> dLogits)
    {
        int n = rows * classes;
        if (fromLoss != 0) scale = dLoss[0] / rows;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            float hot = i % classes == targets[i / classes] ? 1f : 0f;
            dLogits[i] += scale * (probs[i] - hot);
        }
    }
}
