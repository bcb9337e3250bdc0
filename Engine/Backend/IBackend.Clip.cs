// Kernels of the clip stage. They run over the flat gradient buffer with a segment table (one
// segment per parameter: offset and length into the buffer), so one pass serves every parameter.
// Every reduction is accumulated in double in a fixed order, so norms are reproducible bit for bit.
namespace Engine;

/// <summary>What one read of a segment yields: sum of g^2, sum of |g|, max |g| (NaN if any NaN), non-finite count.</summary>
public record struct SegmentStatistics(double SumSquares, double SumAbs, double MaxAbs, long NonFinite);

/// <summary>The outcome of adaptive (unit-wise) clipping: the sum of squares after clipping and how many units were clipped.</summary>
public record struct AdaptiveClipResult(double SumSquaresAfter, int UnitsClipped);

public partial interface IBackend
{
    /// <summary>One read of x: the statistics of every segment [offsets[s], offsets[s] + lengths[s]).</summary>
    void SegmentStatistics(Tensor x, int[] offsets, int[] lengths, SegmentStatistics[] results);

    /// <summary>x[segment s] *= scales[s], in place (the second pass that the fused path avoids).</summary>
    void ScaleSegments(float[] scales, int[] offsets, int[] lengths, Tensor x);

    /// <summary>Clamps every element of x to [-limit, limit] in place (NaN stays NaN); returns the sum of squares afterwards.</summary>
    double ClampValues(float limit, Tensor x);

    /// <summary>Replaces every NaN or infinite element of x with value, in place.</summary>
    void ReplaceNonFinite(float value, Tensor x);

    /// <summary>
    /// Unit-wise adaptive clipping (AGC, Brock et al. 2021, Optax semantics). Segment s holds rows[s] units
    /// of rowLengths[s] elements (a matrix [out, in] has one unit per output row; a vector has one unit per
    /// element). For each unit: maxNorm = clipping * max(||w_unit||, eps); when ||g_unit|| > maxNorm,
    /// g_unit *= maxNorm / max(||g_unit||, 1e-6). Reads values, rewrites grads in place.
    /// </summary>
    AdaptiveClipResult AdaptiveClip(Tensor values, int[] offsets, int[] rows, int[] rowLengths, float clipping, float eps, Tensor grads);
}
