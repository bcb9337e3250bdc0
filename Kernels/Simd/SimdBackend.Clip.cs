// SIMD clip kernels: the one-read segment statistics (sums in double, 8 lanes in a fixed order), and
// the element-wise rewrites. A segment holding NaN or infinity is re-read by the scalar reference,
// which defines the exact non-finite semantics; that only happens on already-broken steps.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public partial class SimdBackend
{
    /// <summary>Segments are read in blocks of this many floats; blocks are the unit of work for the two cores.</summary>
    private const int StatisticsBlock = 1 << 14;

    public override void SegmentStatistics(Tensor x, int[] offsets, int[] lengths, SegmentStatistics[] results)
    {
        ClipChecks.Segments("SegmentStatistics", x, offsets, lengths, results.Length);
        var data = x.Array(out int baseOffset);
        // Blocks in segment order; each block's statistics land in its own slot, and slots are combined in
        // order afterwards, so the result does not depend on which core read which block.
        var blocks = new List<(int Segment, int Start, int Length)>();
        for (int s = 0; s < offsets.Length; s++)
            for (int start = 0; start < lengths[s] || start == 0; start += StatisticsBlock)
                blocks.Add((s, baseOffset + offsets[s] + start, Math.Min(StatisticsBlock, lengths[s] - start)));
        var partial = new SegmentStatistics[blocks.Count];
        void Read(int i) => partial[i] = Statistics(data.AsSpan(blocks[i].Start, blocks[i].Length));
        if (x.Length >= 4 * StatisticsBlock) Cores.For(blocks.Count, Read);
        else for (int i = 0; i < blocks.Count; i++) Read(i);
        for (int s = 0; s < results.Length; s++) results[s] = default;
        for (int i = 0; i < blocks.Count; i++)
        {
            ref var r = ref results[blocks[i].Segment];
            var p = partial[i];
            r = new SegmentStatistics(r.SumSquares + p.SumSquares, r.SumAbs + p.SumAbs, Math.Max(r.MaxAbs, p.MaxAbs), r.NonFinite + p.NonFinite);
        }
        // A segment holding NaN or infinity is re-read by the reference, which defines the exact semantics.
        for (int s = 0; s < results.Length; s++)
            if (results[s].NonFinite > 0) results[s] = ReferenceBackend.Statistics(data.AsSpan(baseOffset + offsets[s], lengths[s]));
    }

    /// <summary>
    /// One block's statistics. Its NonFinite is only a flag (above zero when the block holds NaN or
    /// infinity): such a segment is re-read by the reference, which gives the exact count. Four
    /// independent double accumulators keep the FMA latency off the critical path (one chain of two
    /// dependent FMAs per 16 floats ran at a third of the L2's bandwidth).
    /// </summary>
    private static SegmentStatistics Statistics(ReadOnlySpan<float> values)
    {
        var squaresLo = Vector512<double>.Zero; var squaresHi = Vector512<double>.Zero;
        var absLo = Vector512<double>.Zero; var absHi = Vector512<double>.Zero;
        var max = Vector512<float>.Zero;
        var poison = Vector512<float>.Zero; // v * 0 is 0 for finite v and NaN for infinities and NaN, and NaN sticks
        int i = 0;
        for (; i + 16 <= values.Length; i += 16)
        {
            var v = Vector512.Abs(Vector512.Create(values.Slice(i, 16)));
            poison = Vector512.FusedMultiplyAdd(v, Vector512<float>.Zero, poison);
            max = Vector512.MaxNative(max, v); // NaN lanes do not matter: their block is re-read by the reference
            var (lo, hi) = Vector512.Widen(v);
            squaresLo = Vector512.FusedMultiplyAdd(lo, lo, squaresLo);
            squaresHi = Vector512.FusedMultiplyAdd(hi, hi, squaresHi);
            absLo += lo;
            absHi += hi;
        }
        long nonFinite = BitOperations.PopCount(~Vector512.Equals(poison, Vector512<float>.Zero).ExtractMostSignificantBits() & 0xFFFF);
        double sq = Vector512.Sum(squaresLo + squaresHi), ab = Vector512.Sum(absLo + absHi), mx = 0;
        for (int lane = 0; lane < 16; lane++) mx = Math.Max(mx, max[lane]);
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
