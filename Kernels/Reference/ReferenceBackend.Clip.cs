// Reference clip kernels: sequential loops, double accumulation in element order.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual void SegmentStatistics(Tensor x, int[] offsets, int[] lengths, SegmentStatistics[] results)
    {
        ClipChecks.Segments("SegmentStatistics", x, offsets, lengths, results.Length);
        var X = x.Span();
        for (int s = 0; s < offsets.Length; s++)
            results[s] = Statistics(X.Slice(offsets[s], lengths[s]));
    }

    /// <summary>Statistics of one span, in element order.</summary>
    public static SegmentStatistics Statistics(ReadOnlySpan<float> values)
    {
        double squares = 0, abs = 0, max = 0;
        long nonFinite = 0;
        foreach (float v in values)
        {
            double a = Math.Abs((double)v);
            squares += a * a;
            abs += a;
            if (!float.IsFinite(v)) nonFinite++;
            if (a > max || double.IsNaN(a)) max = double.IsNaN(max) ? max : a;
        }
        return new SegmentStatistics(squares, abs, max, nonFinite);
    }

    public virtual void ScaleSegments(float[] scales, int[] offsets, int[] lengths, Tensor x)
    {
        ClipChecks.Segments("ScaleSegments", x, offsets, lengths, scales.Length);
        var X = x.Span();
        for (int s = 0; s < offsets.Length; s++)
            foreach (ref float v in X.Slice(offsets[s], lengths[s])) v *= scales[s];
    }

    public virtual double ClampValues(float limit, Tensor x)
    {
        double squares = 0;
        foreach (ref float v in x.Span())
        {
            if (v > limit) v = limit;
            else if (v < -limit) v = -limit;
            squares += (double)v * v;
        }
        return squares;
    }

    public virtual void ReplaceNonFinite(float value, Tensor x) => ReplaceNonFinite(value, x.Span());

    /// <summary>Every NaN or infinity of x becomes value.</summary>
    public static void ReplaceNonFinite(float value, Span<float> x)
    {
        foreach (ref float v in x) if (!float.IsFinite(v)) v = value;
    }

    public virtual AdaptiveClipResult AdaptiveClip(Tensor values, int[] offsets, int[] rows, int[] rowLengths, float clipping, float eps, Tensor grads)
    {
        ClipChecks.Units("AdaptiveClip", values, offsets, rows, rowLengths, grads);
        var W = values.Span(); var G = grads.Span();
        double after = 0;
        int clipped = 0;
        for (int s = 0; s < offsets.Length; s++)
            for (int r = 0; r < rows[s]; r++)
            {
                int start = offsets[s] + r * rowLengths[s];
                var g = G.Slice(start, rowLengths[s]);
                double wNorm = Math.Sqrt(Statistics(W.Slice(start, rowLengths[s])).SumSquares);
                double gNorm = Math.Sqrt(Statistics(g).SumSquares);
                if (ClipsUnit(wNorm, gNorm, clipping, eps, out float scale))
                {
                    foreach (ref float v in g) v *= scale;
                    clipped++;
                }
                after += Statistics(g).SumSquares;
            }
        return new AdaptiveClipResult(after, clipped);
    }

    /// <summary>AGC's decision for one unit: whether its gradient is clipped, and the scale that clips it.</summary>
    public static bool ClipsUnit(double weightNorm, double gradNorm, float clipping, float eps, out float scale)
    {
        double maxNorm = clipping * Math.Max(weightNorm, eps);
        scale = gradNorm > maxNorm ? (float)(maxNorm / Math.Max(gradNorm, 1e-6)) : 1f;
        return gradNorm > maxNorm;
    }
}

/// <summary>Segment-table checks shared by every backend's clip kernels.</summary>
public static class ClipChecks
{
    public static void Segments(string op, Tensor x, int[] offsets, int[] lengths, int outputs)
    {
        if (offsets.Length != lengths.Length || outputs != offsets.Length)
            throw new ArgumentException($"{op}: {offsets.Length} offsets, {lengths.Length} lengths and {outputs} outputs must match");
        for (int s = 0; s < offsets.Length; s++)
            if (offsets[s] < 0 || lengths[s] < 0 || offsets[s] + lengths[s] > x.Length)
                throw new ArgumentException($"{op}: segment {s} [{offsets[s]}, {offsets[s] + lengths[s]}) is outside a buffer of {x.Length}");
    }

    /// <summary>A unit table (segment s: rows[s] units of rowLengths[s] elements from offsets[s]) over two buffers of one length.</summary>
    public static void Units(string op, Tensor values, int[] offsets, int[] rows, int[] rowLengths, Tensor grads)
    {
        ShapeOf.RequireLength(op, "values", values, grads.Length);
        if (offsets.Length != rows.Length || offsets.Length != rowLengths.Length)
            throw new ArgumentException($"{op}: {offsets.Length} offsets, {rows.Length} row counts and {rowLengths.Length} row lengths must match");
        for (int s = 0; s < offsets.Length; s++)
            if (offsets[s] < 0 || rows[s] < 0 || rowLengths[s] < 0 || offsets[s] + (long)rows[s] * rowLengths[s] > grads.Length)
                throw new ArgumentException($"{op}: segment {s} ({rows[s]} units of {rowLengths[s]} from {offsets[s]}) is outside a buffer of {grads.Length}");
    }
}
