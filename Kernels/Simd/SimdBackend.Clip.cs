// SIMD clip kernels: the one-read segment statistics (sums in double, 8 lanes in a fixed order), the
// element-wise rewrites, and unit-wise adaptive clipping. A segment holding NaN or infinity is re-read by the scalar reference,
// which defines the exact non-finite semantics; that only happens on already-broken steps.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels;

public unsafe partial class SimdBackend
{
    /// <summary>Segments are read in blocks of this many floats; blocks are the unit of work for the two cores.</summary>
    private const int StatisticsBlock = 1 << 14;

    /// <summary>
    /// How far ahead (floats) the statistics ask for the lines they will read next. Half of what they read
    /// was just written by the other core, and the hardware prefetcher alone leaves those transfers
    /// waiting; 4 KB ahead gains the most of the distances from 1 KB to 16 KB.
    /// </summary>
    private const int StatisticsPrefetch = 1024;

    public void SegmentStatistics(Tensor x, int[] offsets, int[] lengths, SegmentStatistics[] results)
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
        void Read(int i) => partial[i] = BlockStatistics(data.AsSpan(blocks[i].Start, blocks[i].Length));
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
    /// infinity): such a segment is re-read by the reference, which gives the exact count. The flag is
    /// the sum of squares itself: in double, the squares of finite floats cannot overflow (each is below
    /// 1.2e77), so the sum is finite exactly when every value is. Two sets of accumulators, 32 floats an
    /// iteration: with one set each double FMA waited on the last one (4 cycles for 16 floats, 84 GB/s on
    /// both cores, a third of the L2's bandwidth).
    /// </summary>
    private static SegmentStatistics BlockStatistics(ReadOnlySpan<float> values)
    {
        Vector512<double> squares0 = default, squares1 = default, squares2 = default, squares3 = default;
        Vector512<double> abs0 = default, abs1 = default, abs2 = default, abs3 = default;
        Vector512<float> max0 = default, max1 = default;
        int i = 0;
        fixed (float* start = values)
        for (; i + 32 <= values.Length; i += 32)
        {
            // Prefetches never fault, so asking past the block's end is harmless. (The JIT drops the
            // test; without SSE, on ARM64, the loop runs without prefetching.)
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(start + i + StatisticsPrefetch);
                Sse.Prefetch0(start + i + StatisticsPrefetch + 16);
            }
            var v = Vector512.Abs(Vector512.Create(values.Slice(i, 16)));
            var w = Vector512.Abs(Vector512.Create(values.Slice(i + 16, 16)));
            max0 = Vector512.MaxNative(max0, v); // NaN lanes do not matter: their block is re-read by the reference
            max1 = Vector512.MaxNative(max1, w);
            var (v0, v1) = Vector512.Widen(v);
            var (w0, w1) = Vector512.Widen(w);
            squares0 = Vector512.FusedMultiplyAdd(v0, v0, squares0);
            squares1 = Vector512.FusedMultiplyAdd(v1, v1, squares1);
            squares2 = Vector512.FusedMultiplyAdd(w0, w0, squares2);
            squares3 = Vector512.FusedMultiplyAdd(w1, w1, squares3);
            abs0 += v0;
            abs1 += v1;
            abs2 += w0;
            abs3 += w1;
        }
        double sq = Vector512.Sum((squares0 + squares1) + (squares2 + squares3)), ab = Vector512.Sum((abs0 + abs1) + (abs2 + abs3)), mx = 0;
        var max = Vector512.MaxNative(max0, max1);
        for (int lane = 0; lane < 16; lane++) mx = Math.Max(mx, max[lane]);
        for (; i < values.Length; i++)
        {
            double a = Math.Abs((double)values[i]);
            sq += a * a;
            ab += a;
            mx = Math.Max(mx, a);
        }
        return new SegmentStatistics(sq, ab, mx, double.IsFinite(sq) ? 0 : 1);
    }

    public void ScaleSegments(float[] scales, int[] offsets, int[] lengths, Tensor x)
    {
        ClipChecks.Segments("ScaleSegments", x, offsets, lengths, scales.Length);
        var X = x.Span();
        for (int s = 0; s < offsets.Length; s++)
        {
            var segment = X.Slice(offsets[s], lengths[s]);
            TensorPrimitives.Multiply(segment, scales[s], segment);
        }
    }

    public double ClampValues(float limit, Tensor x)
    {
        var X = x.Span();
        TensorPrimitives.Min(X, limit, X);
        TensorPrimitives.Max(X, -limit, X);
        return DoubleSums.Dot(X, X);
    }

    public void ReplaceNonFinite(float value, Tensor x)
    {
        var X = x.Array(out int xo);
        Halves(x.Length, (start, end) =>
        {
            var replacement = Vector512.Create(value);
            int i = start;
            for (; i + 16 <= end; i += 16)
            {
                var lanes = X.AsSpan(xo + i, 16);
                var v = Vector512.Create(lanes);
                var finite = Vector512.Equals(v - v, Vector512<float>.Zero); // x - x is NaN for infinities and NaN
                Vector512.ConditionalSelect(finite, v, replacement).CopyTo(lanes);
            }
            ReferenceBackend.ReplaceNonFinite(value, X.AsSpan(xo + i, end - i));
        });
    }

    /// <summary>Adaptive clipping's unit of work: whole units of one segment, about this many elements.</summary>
    private const int AdaptiveClipBlock = 1 << 14;

    /// <summary>
    /// Units in runs of about AdaptiveClipBlock elements, each run on one core; a run's sum of squares and
    /// count land in its own slot, combined in run order afterwards. The runs are fixed by the unit table
    /// alone, so the result does not depend on the number of cores. Norms are double sums of 16 lanes
    /// (DoubleSums), not the reference's element order: they agree to about 1e-16 relative.
    /// </summary>
    public AdaptiveClipResult AdaptiveClip(Tensor values, int[] offsets, int[] rows, int[] rowLengths, float clipping, float eps, Tensor grads)
    {
        ClipChecks.Units("AdaptiveClip", values, offsets, rows, rowLengths, grads);
        var W = values.Array(out int wo); var G = grads.Array(out int go);
        var runs = new List<(int Start, int Units, int Length)>();
        for (int s = 0; s < offsets.Length; s++)
        {
            int perRun = Math.Max(1, AdaptiveClipBlock / Math.Max(rowLengths[s], 1));
            for (int r = 0; r < rows[s]; r += perRun)
                runs.Add((offsets[s] + r * rowLengths[s], Math.Min(perRun, rows[s] - r), rowLengths[s]));
        }
        var after = new double[runs.Count];
        var clipped = new int[runs.Count];
        void Run(int i)
        {
            var (start, units, length) = runs[i];
            for (int u = 0; u < units; u++)
            {
                var w = W.AsSpan(wo + start + u * length, length);
                var g = G.AsSpan(go + start + u * length, length);
                if (ReferenceBackend.ClipsUnit(Math.Sqrt(DoubleSums.Dot(w, w)), Math.Sqrt(DoubleSums.Dot(g, g)), clipping, eps, out float scale))
                {
                    TensorPrimitives.Multiply(g, scale, g);
                    clipped[i]++;
                }
                after[i] += DoubleSums.Dot(g, g);
            }
        }
        if (grads.Length >= 4 * AdaptiveClipBlock) Cores.For(runs.Count, Run);
        else for (int i = 0; i < runs.Count; i++) Run(i);
        double total = 0;
        foreach (double a in after) total += a;
        return new AdaptiveClipResult(total, clipped.Sum());
    }
}
