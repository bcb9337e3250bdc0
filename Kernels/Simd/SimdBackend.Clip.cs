// SIMD clip kernels: the one-read segment statistics (sums in double, 8 lanes in a fixed order), and
// the element-wise rewrites. A segment holding NaN or infinity is re-read by the scalar reference,
// which defines the exact non-finite semantics; that only happens on already-broken steps.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public partial class SimdBackend
{
    public override void SegmentStatistics(Tensor x, int[] offsets, int[] lengths, SegmentStatistics[] results)
    {
        ClipChecks.Segments("SegmentStatistics", x, offsets, lengths, results.Length);
        var X = x.Span();
        for (int s = 0; s < offsets.Length; s++)
        {
            var segment = X.Slice(offsets[s], lengths[s]);
            var stats = Statistics(segment);
            results[s] = stats.NonFinite == 0 ? stats : ReferenceBackend.Statistics(segment);
        }
    }

    private static SegmentStatistics Statistics(ReadOnlySpan<float> values)
    {
        var squares = Vector256<double>.Zero; var abs = Vector256<double>.Zero;
        var max = Vector256<float>.Zero;
        long nonFinite = 0;
        int i = 0;
        for (; i + 8 <= values.Length; i += 8)
        {
            var v = Vector256.Abs(Vector256.Create(values.Slice(i, 8)));
            // v * 0 is 0 for finite v and NaN for infinities and NaN.
            nonFinite += BitOperations.PopCount(~Vector256.Equals(v * Vector256<float>.Zero, Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFF);
            max = Vector256.Max(max, v);
            var (lo, hi) = Vector256.Widen(v);
            squares = Vector256.FusedMultiplyAdd(lo, lo, squares);
            squares = Vector256.FusedMultiplyAdd(hi, hi, squares);
            abs += lo + hi;
        }
        double sq = Vector256.Sum(squares), ab = Vector256.Sum(abs), mx = 0;
        for (int lane = 0; lane < 8; lane++) mx = Math.Max(mx, max[lane]);
        for (; i < values.Length; i++)
        {
            double a = Math.Abs((double)values[i]);
            sq += a * a;
            ab += a;
            mx = Math.Max(mx, a);
            if (!float.IsFinite(values[i])) nonFinite++;
        }
        return new SegmentStatistics(sq, ab, mx, nonFinite);
    }

    public override void ScaleSegments(float[] scales, int[] offsets, int[] lengths, Tensor x)
    {
        ClipChecks.Segments("ScaleSegments", x, offsets, lengths, scales.Length);
        var X = x.Span();
        for (int s = 0; s < offsets.Length; s++)
        {
            var segment = X.Slice(offsets[s], lengths[s]);
            TensorPrimitives.Multiply(segment, scales[s], segment);
        }
    }

    public override double ClampValues(float limit, Tensor x)
    {
        var X = x.Span();
        TensorPrimitives.Min(X, limit, X);
        TensorPrimitives.Max(X, -limit, X);
        return DoubleSums.Dot(X, X);
    }
}
