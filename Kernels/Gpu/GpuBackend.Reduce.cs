// Reductions, embedding and softmax cross-entropy on ILGPU. Sums are one partial per chunk of a
// fixed split (or one loss per row), finished in a fixed order in double, on the host or on the
// device (ScaledTotal), so every result is bit-identical from call to call and from device to device.
// Ids and targets cross to the device once while the same ones come back (DeviceTableCache); they
// are checked on the host first, because an out-of-range index on a GPU is a fault, not an exception.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, int, ArrayView<double>>? sumPartials;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, ArrayView<double>>? dotPartials;
    private Action<KernelConfig, ArrayView<double>, int, double, double, ArrayView<float>>? scaledTotal;
    private Action<KernelConfig, ArrayView<float>, double, int, ArrayView<float>>? addScaledScalar;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>>? embeddingForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int,
        ArrayView<float>, ArrayView<float>>? embeddingBackward;
    private Action<KernelConfig, ArrayView<int>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<float>>? embeddingChunkTotals;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<double>>? softmaxRows;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int, float, ArrayView<float>, int, ArrayView<float>>? softmaxBackward;

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
        FinishOnDevice(partials, scale, 1, vy);
    }

    /// <summary>y[0] = (float)(the partials added in order * scale / divisor), on the device (ScaledTotal).</summary>
    private void FinishOnDevice(ArrayView<double> partials, double scale, double divisor, ArrayView<float> y)
    {
        scaledTotal ??= accelerator.LoadStreamKernel<ArrayView<double>, int, double, double, ArrayView<float>>(ReduceKernels.ScaledTotal);
        scaledTotal(Groups(1, 1), partials, partials.IntLength, scale, divisor, y);
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
        var (_, device) = Ids(ids, table.Rows);
        embeddingForward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>>(ReduceKernels.EmbeddingForward);
        embeddingForward(Spread(y.Length), vt, device.SubView(0, ids.Length), ids.Length, width, vy);
    }

    public void EmbeddingBackward(Tensor dY, int[] ids, Tensor dTable)
    {
        int width = dTable.Columns;
        ShapeOf.RequireLength("EmbeddingBackward", "dY", dY, ids.Length * width);
        RequireIndices("EmbeddingBackward", "id", ids, dTable.Rows);
        var (vd, vt) = (View(dY), View(dTable));
        if (dY.Length == 0) return;
        var (plan, device) = Ids(ids, dTable.Rows);
        var (groups, chunks) = (plan.Groups, plan.Chunks);
        var table = device.SubView(ids.Length, device.IntLength - ids.Length);
        var (tableRows, firstChunk) = (table.SubView(0, groups), table.SubView(groups, groups + 1));
        int chunkStarts = 2 * groups + 1;
        var partials = chunks > groups ? floats.Take(chunks * width) : vt; // unread when every id has one chunk
        embeddingBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int,
            ArrayView<float>, ArrayView<float>>(ReduceKernels.EmbeddingBackward);
        embeddingBackward(Spread(chunks * width), vd, tableRows, firstChunk, table.SubView(chunkStarts, chunks + 1),
            table.SubView(chunkStarts + chunks + 1, chunks), table.SubView(chunkStarts + 2 * chunks + 1, ids.Length), chunks, width, vt, partials);
        if (chunks == groups) return;
        embeddingChunkTotals ??= accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<float>>(ReduceKernels.EmbeddingChunkTotals);
        embeddingChunkTotals(Spread(groups * width), tableRows, firstChunk, groups, width, partials, vt);
    }

    /// <summary>The ids and their gradient plan on the device: uploaded once while the same ids come back (a forward, then its backward).</summary>
    private (EmbeddingIds Plan, ArrayView<int> Table) Ids(int[] ids, int vocabulary)
        => idTables.Get([vocabulary, .. ids], () => EmbeddingIds.For(ids, vocabulary), p => p.Table);

    /// <summary>The targets on the device: uploaded once while the same targets come back (a forward, then its backward).</summary>
    private ArrayView<int> Targets(int[] targets) => targetTables.Get(targets, () => targets, t => t).Table;

    public double SoftmaxCrossEntropyForward(Tensor logits, int[] targets, Tensor probs)
    {
        var losses = SoftmaxRows("SoftmaxCrossEntropyForward", logits, targets, probs);
        if (targets.Length == 0) return 0;
        var host = new double[targets.Length];
        ReadBack(losses, host);
        double total = 0;
        foreach (double loss in host) total += loss;
        return total;
    }

    public void SoftmaxCrossEntropyMean(Tensor logits, int[] targets, Tensor probs, Tensor loss)
    {
        ShapeOf.RequireLength("SoftmaxCrossEntropyMean", "loss", loss, 1);
        var vloss = View(loss);
        var losses = SoftmaxRows("SoftmaxCrossEntropyMean", logits, targets, probs);
        if (targets.Length == 0) Fill(0f, loss);
        else FinishOnDevice(losses, 1, targets.Length, vloss); // total * 1 is exact: the host's total / N
    }

    /// <summary>Softmax of each row into probs; returns each row's loss, left on the device.</summary>
    private ArrayView<double> SoftmaxRows(string op, Tensor logits, int[] targets, Tensor probs)
    {
        ShapeOf.RequireSame(op, logits, probs);
        int rows = targets.Length, classes = logits.Columns;
        ShapeOf.RequireLength(op, "logits", logits, rows * classes);
        RequireIndices(op, "target", targets, classes);
        var (vl, vp) = (View(logits), View(probs));
        var losses = doubles.Take(rows);
        if (rows == 0) return losses;
        softmaxRows ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<double>>(ReduceKernels.SoftmaxRows);
        softmaxRows(GroupPer(rows), vl, Targets(targets), rows, classes, vp, losses);
        return losses;
    }

    public void SoftmaxCrossEntropyBackward(Tensor probs, int[] targets, float scale, Tensor dLogits)
        => SoftmaxBackward("SoftmaxCrossEntropyBackward", probs, targets, scale, null, dLogits);

    public void SoftmaxCrossEntropyMeanBackward(Tensor probs, int[] targets, Tensor dLoss, Tensor dLogits)
    {
        ShapeOf.RequireLength("SoftmaxCrossEntropyMeanBackward", "dLoss", dLoss, 1);
        SoftmaxBackward("SoftmaxCrossEntropyMeanBackward", probs, targets, 0f, dLoss, dLogits);
    }

    /// <summary>dLogits += scale (probs - onehot), scale given or dLoss[0] / N read by the kernel.</summary>
    private void SoftmaxBackward(string op, Tensor probs, int[] targets, float scale, Tensor? dLoss, Tensor dLogits)
    {
        ShapeOf.RequireSame(op, probs, dLogits);
        int rows = targets.Length, classes = probs.Columns;
        ShapeOf.RequireLength(op, "probs", probs, rows * classes);
        RequireIndices(op, "target", targets, classes);
        var (vp, vd) = (View(probs), View(dLogits));
        var seed = dLoss is null ? vd : View(dLoss); // unread without dLoss
        if (probs.Length == 0) return;
        softmaxBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, float, ArrayView<float>, int, ArrayView<float>>(ReduceKernels.SoftmaxCrossEntropyBackward);
        softmaxBackward(Spread(probs.Length), vp, Targets(targets), rows, classes, scale, seed, dLoss is null ? 0 : 1, vd);
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
