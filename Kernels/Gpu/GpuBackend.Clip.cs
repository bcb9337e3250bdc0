// Clip family on ILGPU. SegmentStatistics is one launch and one read of the gradient buffer, with
// non-finite detection in the same pass; its per-chunk partials are finished on the host in chunk
// order (double), which the clip stage needs anyway for its telemetry. A uniform scale (global norm,
// AutoClip, ZClip) is then applied inside the fused optimizer kernel, so the default clip path costs
// one launch and no write.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, ArrayView<double>>? segmentPartials;
    private Action<KernelConfig, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, ArrayView<float>>? scaleChunks;
    private Action<KernelConfig, ArrayView<float>, int, float, ArrayView<double>>? clamp;
    private Action<KernelConfig, ArrayView<float>, int, float>? replaceNonFinite;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, float, float, ArrayView<float>, ArrayView<double>>? adaptiveClip;

    public void SegmentStatistics(Tensor x, int[] offsets, int[] lengths, SegmentStatistics[] results)
    {
        ClipChecks.Segments("SegmentStatistics", x, offsets, lengths, results.Length);
        var vx = View(x);
        Array.Clear(results);
        var (chunks, table) = Chunks(offsets, lengths);
        if (chunks.Count == 0) return;
        segmentPartials ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, int, ArrayView<double>>(ClipKernels.SegmentPartials);
        var partialsView = doubles.Take(ClipKernels.PartialWidth * chunks.Count);
        segmentPartials(SplitGrid(chunks.Count), vx, table.SubView(0, chunks.Count), table.SubView(chunks.Count, chunks.Count), chunks.Count, partialsView);
        var partials = new double[partialsView.IntLength];
        ReadBack(partialsView, partials);

        var nan = new bool[results.Length];
        for (int c = 0; c < chunks.Count; c++)
        {
            int s = chunks.SegmentOf[c], p = ClipKernels.PartialWidth * c;
            ref var r = ref results[s];
            r = new SegmentStatistics(r.SumSquares + partials[p], r.SumAbs + partials[p + 1],
                Math.Max(r.MaxAbs, partials[p + 2]), r.NonFinite + (long)partials[p + 3]);
            nan[s] |= partials[p + 4] > 0;
        }
        for (int s = 0; s < results.Length; s++)
            if (nan[s]) results[s] = results[s] with { MaxAbs = double.NaN };
    }

    public void ScaleSegments(float[] scales, int[] offsets, int[] lengths, Tensor x)
    {
        ClipChecks.Segments("ScaleSegments", x, offsets, lengths, scales.Length);
        var vx = View(x);
        var (chunks, table) = Chunks(offsets, lengths);
        if (chunks.Count == 0) return;
        scaleChunks ??= accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<int>, ArrayView<float>, int, ArrayView<float>>(ClipKernels.ScaleChunks);
        var chunkScales = floats.Upload(chunks.SegmentOf.Select(s => scales[s]).ToArray());
        scaleChunks(GroupPer(chunks.Count), table.SubView(0, chunks.Count), table.SubView(chunks.Count, chunks.Count), chunkScales, chunks.Count, vx);
    }

    public double ClampValues(float limit, Tensor x)
    {
        var vx = View(x);
        if (x.Length == 0) return 0;
        clamp ??= accelerator.LoadStreamKernel<ArrayView<float>, int, float, ArrayView<double>>(ClipKernels.Clamp);
        var partials = doubles.Take(FixedSplit.Partials(x.Length));
        clamp(SplitGrid(partials.IntLength), vx, x.Length, limit, partials);
        return SumInOrder(partials);
    }

    public void ReplaceNonFinite(float value, Tensor x)
    {
        var vx = View(x);
        if (x.Length == 0) return;
        replaceNonFinite ??= accelerator.LoadStreamKernel<ArrayView<float>, int, float>(ClipKernels.ReplaceNonFinite);
        replaceNonFinite(Spread(x.Length), vx, x.Length, value);
    }

    public AdaptiveClipResult AdaptiveClip(Tensor values, int[] offsets, int[] rows, int[] rowLengths, float clipping, float eps, Tensor grads)
    {
        ShapeOf.RequireLength("AdaptiveClip", "values", values, grads.Length);
        var (vw, vg) = (View(values), View(grads));
        var (unitTable, table) = unitTables.Get([.. offsets, .. rows, .. rowLengths], () => UnitTable(offsets, rows, rowLengths), t => t);
        int units = unitTable.Length / 2;
        if (units == 0) return new AdaptiveClipResult(0, 0);
        adaptiveClip ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, int, float, float, ArrayView<float>, ArrayView<double>>(ClipKernels.AdaptiveClip);
        var resultsView = doubles.Take(2 * units);
        adaptiveClip(SplitGrid(units), vw, table.SubView(0, units), table.SubView(units, units), units, clipping, eps, vg, resultsView);
        var results = new double[2 * units];
        ReadBack(resultsView, results);
        double after = 0;
        int clipped = 0;
        for (int u = 0; u < units; u++)
        {
            after += results[2 * u];
            clipped += (int)results[2 * u + 1];
        }
        return new AdaptiveClipResult(after, clipped);
    }

    /// <summary>The chunks of the segments and their device table [starts | lengths], uploaded once per layout.</summary>
    private (ClipChunks Chunks, ArrayView<int> Table) Chunks(int[] offsets, int[] lengths)
        => chunkTables.Get([.. offsets, .. lengths], () => new ClipChunks(offsets, lengths), c => c.Table);

    /// <summary>[starts (U) | lengths (U)] of the AGC units in the reference's order: segment by segment, row by row.</summary>
    private static int[] UnitTable(int[] offsets, int[] rows, int[] rowLengths)
    {
        var starts = new List<int>();
        var unitLengths = new List<int>();
        for (int s = 0; s < offsets.Length; s++)
            for (int r = 0; r < rows[s]; r++)
            {
                starts.Add(offsets[s] + r * rowLengths[s]);
                unitLengths.Add(rowLengths[s]);
            }
        return [.. starts, .. unitLengths];
    }
}
