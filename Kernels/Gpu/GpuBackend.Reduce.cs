// Reductions, embedding and softmax cross-entropy on ILGPU. Sums come back to the host as one
// partial per chunk of a fixed split (or three numbers per row) and are finished there in a fixed
// order, in double, so every result is bit-identical from call to call and from device to device. Ids and targets are uploaded per call; they
// are checked on the host first, because an out-of-range index on a GPU is a fault, not an exception.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, int, ArrayView<double>>? sumPartials;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, ArrayView<double>>? dotPartials;
    private Action<KernelConfig, ArrayView<double>, int, double, ArrayView<float>>? scaledTotal;
    private Action<KernelConfig, ArrayView<float>, double, int, ArrayView<float>>? addScaledScalar;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>>? embeddingForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int,
        ArrayView<float>, ArrayView<float>>? embeddingBackward;
    private Action<KernelConfig, ArrayView<int>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<float>>? embeddingChunkTotals;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<double>>? softmaxRows;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int, float, ArrayView<float>>? softmaxBackward;

    public double Sum(Tensor x)
    {
        var vx = View(x);
        return x.Length == 0 ? 0 : SumInOrder(SumPartials(vx, x.Length));
    }

    public void ScaledSum(Tensor x, double scale, Tensor y)
    {
        ShapeOf.RequireLength("ScaledSum", "y", y, 1);
        var (vx, vy) = (View(x), View(y));
        var partials = x.Length == 0 ? doubles.Take(0) : SumPartials(vx, x.Length);
        scaledTotal ??= accelerator.LoadStreamKernel<ArrayView<double>, int, double, ArrayView<float>>(ReduceKernels.ScaledTotal);
        scaledTotal(Groups(1, 1), partials, partials.IntLength, scale, vy);
    }

    public void AddScaledScalar(Tensor s, double scale, Tensor y)
    {
        ShapeOf.RequireLength("AddScaledScalar", "s", s, 1);
        var (vs, vy) = (View(s), View(y));
        if (y.Length == 0) return;
        addScaledScalar ??= accelerator.LoadStreamKernel<ArrayView<float>, double, int, ArrayView<float>>(PointwiseKernels.AddScaledScalar);
        addScaledScalar(Spread(y.Length), vs, scale, y.Length, vy);
    }

    /// <summary>The partial sums of x over FixedSplit's chunks, left on the device.</summary>
    private ArrayView<double> SumPartials(ArrayView<float> x, int n)
    {
        sumPartials ??= accelerator.LoadStreamKernel<ArrayView<float>, int, ArrayView<double>>(ReduceKernels.SumPartials);
        var partials = doubles.Take(FixedSplit.Partials(n));
        sumPartials(SplitGrid(partials.IntLength), x, n, partials);
        return partials;
    }

    public double Dot(Tensor a, Tensor b)
    {
        ShapeOf.RequireLength("Dot", "second operand", b, a.Length);
        var (va, vb) = (View(a), View(b));
        if (a.Length == 0) return 0;
        dotPartials ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, ArrayView<double>>(ReduceKernels.DotPartials);
        var partials = doubles.Take(FixedSplit.Partials(a.Length));
        dotPartials(SplitGrid(partials.IntLength), va, vb, a.Length, partials);
        return SumInOrder(partials);
    }

    public void EmbeddingForward(Tensor table, int[] ids, Tensor y)
    {
        int width = table.Columns;
        ShapeOf.RequireLength("EmbeddingForward", "output", y, ids.Length * width);
        RequireIndices("EmbeddingForward", "id", ids, table.Rows);
        var (vt, vy) = (View(table), View(y));
        if (y.Length == 0) return;
        embeddingForward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>>(ReduceKernels.EmbeddingForward);
        embeddingForward(Spread(y.Length), vt, ints.Upload(ids), ids.Length, width, vy);
    }

    public void EmbeddingBackward(Tensor dY, int[] ids, Tensor dTable)
    {
        int width = dTable.Columns;
        ShapeOf.RequireLength("EmbeddingBackward", "dY", dY, ids.Length * width);
        RequireIndices("EmbeddingBackward", "id", ids, dTable.Rows);
        var (vd, vt) = (View(dY), View(dTable));
        if (dY.Length == 0) return;
        var plan = ints.Upload(EmbeddingGradientPlan.Build(ids, dTable.Rows, EmbeddingGradientPlan.ChunkRows, out int groups, out int chunks));
        var (tableRows, firstChunk) = (plan.SubView(0, groups), plan.SubView(groups, groups + 1));
        int chunkStarts = 2 * groups + 1;
        var partials = chunks > groups ? floats.Take(chunks * width) : vt; // unread when every id has one chunk
        embeddingBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int,
            ArrayView<float>, ArrayView<float>>(ReduceKernels.EmbeddingBackward);
        embeddingBackward(Spread(chunks * width), vd, tableRows, firstChunk, plan.SubView(chunkStarts, chunks + 1),
            plan.SubView(chunkStarts + chunks + 1, chunks), plan.SubView(chunkStarts + 2 * chunks + 1, ids.Length), chunks, width, vt, partials);
        if (chunks == groups) return;
        embeddingChunkTotals ??= accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<float>>(ReduceKernels.EmbeddingChunkTotals);
        embeddingChunkTotals(Spread(groups * width), tableRows, firstChunk, groups, width, partials, vt);
    }

    public double SoftmaxCrossEntropyForward(Tensor logits, int[] targets, Tensor probs)
    {
        ShapeOf.RequireSame("SoftmaxCrossEntropyForward", logits, probs);
        int rows = targets.Length, classes = logits.Columns;
        ShapeOf.RequireLength("SoftmaxCrossEntropyForward", "logits", logits, rows * classes);
        RequireIndices("SoftmaxCrossEntropyForward", "target", targets, classes);
        var (vl, vp) = (View(logits), View(probs));
        if (rows == 0) return 0;
        softmaxRows ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<double>>(ReduceKernels.SoftmaxRows);
        var statsView = doubles.Take(3 * rows);
        softmaxRows(GroupPer(rows), vl, ints.Upload(targets), rows, classes, vp, statsView);
        var stats = new double[3 * rows];
        ReadBack(statsView, stats);
        double total = 0;
        for (int r = 0; r < rows; r++) total += Math.Log(stats[3 * r]) + stats[3 * r + 1] - stats[3 * r + 2];
        return total;
    }

    public void SoftmaxCrossEntropyBackward(Tensor probs, int[] targets, float scale, Tensor dLogits)
    {
        ShapeOf.RequireSame("SoftmaxCrossEntropyBackward", probs, dLogits);
        int rows = targets.Length, classes = probs.Columns;
        ShapeOf.RequireLength("SoftmaxCrossEntropyBackward", "probs", probs, rows * classes);
        RequireIndices("SoftmaxCrossEntropyBackward", "target", targets, classes);
        var (vp, vd) = (View(probs), View(dLogits));
        if (probs.Length == 0) return;
        softmaxBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, float, ArrayView<float>>(ReduceKernels.SoftmaxCrossEntropyBackward);
        softmaxBackward(Spread(probs.Length), vp, ints.Upload(targets), rows, classes, scale, vd);
    }

    /// <summary>Downloads the per-group partials and adds them in group order.</summary>
    private double SumInOrder(ArrayView<double> partials)
    {
        var host = new double[partials.IntLength];
        ReadBack(partials, host);
        double total = 0;
        foreach (double p in host) total += p;
        return total;
    }

    private static void RequireIndices(string op, string what, int[] indices, int bound)
    {
        foreach (int i in indices)
            if ((uint)i >= (uint)bound)
                throw new ArgumentException($"{op}: {what} {i} is outside [0, {bound})");
    }
}
