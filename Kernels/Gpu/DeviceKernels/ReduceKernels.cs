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
    /// y[0] = (float)(total * scale), total being the partials added in index order in double: the
    /// host's finish of a sum, done on the device so the result need not travel. One thread works.
    /// </summary>
    public static void ScaledTotal(ArrayView<double> partials, int count, double scale, ArrayView<float> y)
    {
        if (Grid.GlobalIndex.X != 0) return;
        double total = 0;
        for (int p = 0; p < count; p++) total += partials[p];
        y[0] = (float)(total * scale);
    }

    /// <summary>y[r, j] = table[ids[r], j]. table: [V, E]; ids: [N] (checked on the host); y: [N, E].</summary>
    public static void EmbeddingForward(ArrayView<float> table, ArrayView<int> ids, int rows, int width, ArrayView<float> y)
    {
        int n = rows * width;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
            y[i] = table[ids[i / width] * width + i % width];
    }

    /// <summary>
    /// dTable[v, j] += dY[r, j] for every r with ids[r] == v, adding rows r in increasing order: the
    /// reference's order, without atomics. The host groups rows by id (EmbeddingGradientPlan): group g
    /// updates table row tableRows[g] from rows order[starts[g] .. starts[g + 1]). One thread per
    /// (group, column); neighbouring threads take neighbouring columns.
    /// dY: [N, E]; tableRows: [G]; starts: [G + 1]; order: [N]; dTable: [V, E].
    /// </summary>
    public static void EmbeddingBackward(ArrayView<float> dY, ArrayView<int> tableRows, ArrayView<int> starts,
        ArrayView<int> order, int groups, int width, ArrayView<float> dTable)
    {
        int n = groups * width;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            int g = i / width, j = i % width;
            int target = tableRows[g] * width + j;
            float sum = dTable[target];
            for (int q = starts[g]; q < starts[g + 1]; q++) sum += dY[order[q] * width + j];
            dTable[target] = sum;
        }
    }

    /// <summary>
    /// Softmax of each row, one group per row. Writes probs and, per row r, the three numbers the host
    /// needs for the loss -log p[target] = log(sum) + max - logits[r, target]: stats[3r] = sum of
    /// exp(logit - max) (double, fixed tree order), stats[3r + 1] = max, stats[3r + 2] = the target's
    /// logit. The logarithm is left to the host: in double, and the same expression as the reference.
    /// logits, probs: [N, V]; targets: [N] (checked on the host); stats: [3N].
    /// </summary>
    public static void SoftmaxRows(ArrayView<float> logits, ArrayView<int> targets, int rows, int classes,
        ArrayView<float> probs, ArrayView<double> stats)
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

            if (Group.IsFirstThread)
            {
                stats[3 * r] = sum;
                stats[3 * r + 1] = max;
                stats[3 * r + 2] = logits[start + targets[r]];
            }
        }
    }

    /// <summary>dLogits[r, j] += scale * (probs[r, j] - [j == targets[r]]). probs, dLogits: [N, V]; targets: [N].</summary>
    public static void SoftmaxCrossEntropyBackward(ArrayView<float> probs, ArrayView<int> targets, int rows, int classes,
        float scale, ArrayView<float> dLogits)
    {
        int n = rows * classes;
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
        {
            float hot = i % classes == targets[i / classes] ? 1f : 0f;
            dLogits[i] += scale * (probs[i] - hot);
        }
    }
}
