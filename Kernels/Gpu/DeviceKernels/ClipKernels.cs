// Device kernels of the clip stage. The segment kernels walk a chunk table (ClipChunks): each segment
// cut into chunks of at most ClipChunks.Size elements, one warp (statistics) or group (scaling) per
// chunk at a time, so none straddles two parameters and every sum has an order fixed by the table alone. Statistics come back
// as one row of partials per chunk, which the host adds in chunk order (in double), so norms repeat
// bit for bit. NaN is counted on its own and left out of the maximum: PTX's max ignores NaN where
// .NET's returns it, so the host marks the maximum NaN from the count instead.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class ClipKernels
{
    /// <summary>Doubles per chunk in SegmentPartials' output: sum g^2, sum |g|, max |g| over non-NaN, non-finite count, NaN count.</summary>
    public const int PartialWidth = 5;

    /// <summary>
    /// One read of x: partials[PartialWidth * c + ...] for every chunk c = [chunkStarts[c], + chunkLengths[c]).
    /// Each chunk is one warp's, as in FixedSplit: lane l adds elements l, l + 32, ... in index order,
    /// then the lanes combine in a fixed tree, so the statistics do not depend on the launch shape or
    /// the device. Every warp of the grid takes part in the same number of rounds (the barriers match).
    /// </summary>
    public static void SegmentPartials(ArrayView<float> x, ArrayView<int> chunkStarts, ArrayView<int> chunkLengths, int chunks,
        ArrayView<double> partials)
    {
        var squaresShared = SharedMemory.Allocate<double>(KernelGeometry.GroupSize);
        var absShared = SharedMemory.Allocate<double>(KernelGeometry.GroupSize);
        var nonFiniteShared = SharedMemory.Allocate<int>(KernelGeometry.GroupSize);
        var nanShared = SharedMemory.Allocate<int>(KernelGeometry.GroupSize);
        var maxShared = SharedMemory.Allocate<float>(KernelGeometry.GroupSize);
        int t = Group.IdxX, lane = t % FixedSplit.Lanes;
        for (int round = 0, rounds = FixedSplit.Rounds(chunks); round < rounds; round++)
        {
            int c = FixedSplit.ChunkOf(round);
            double squares = 0, abs = 0;
            int nonFinite = 0, nan = 0;
            float max = 0f;
            int start = c < chunks ? chunkStarts[c] : 0, end = c < chunks ? start + chunkLengths[c] : 0;
            for (int i = start + lane; i < end; i += FixedSplit.Lanes)
            {
                float a = MathF.Abs(x[i]);
                squares += (double)a * a;
                abs += a;
                if (float.IsNaN(a)) { nan++; nonFinite++; }
                else
                {
                    if (float.IsInfinity(a)) nonFinite++;
                    if (a > max) max = a;
                }
            }
            // All five statistics in one fixed tree over the lanes, so a round costs log2(32) + 2
            // barriers, not five times that.
            squaresShared[t] = squares; absShared[t] = abs; maxShared[t] = max;
            nonFiniteShared[t] = nonFinite; nanShared[t] = nan;
            Group.Barrier();
            for (int width = FixedSplit.Lanes / 2; width > 0; width /= 2)
            {
                if (lane < width)
                {
                    squaresShared[t] += squaresShared[t + width];
                    absShared[t] += absShared[t + width];
                    if (maxShared[t + width] > maxShared[t]) maxShared[t] = maxShared[t + width];
                    nonFiniteShared[t] += nonFiniteShared[t + width];
                    nanShared[t] += nanShared[t + width];
                }
                Group.Barrier();
            }
            if (lane == 0 && c < chunks)
            {
                int p = PartialWidth * c;
                partials[p] = squaresShared[t];
                partials[p + 1] = absShared[t];
                partials[p + 2] = maxShared[t];
                partials[p + 3] = nonFiniteShared[t];
                partials[p + 4] = nanShared[t];
            }
            Group.Barrier(); // lane 0 has read the totals before the next round overwrites them
        }
    }

    /// <summary>x[i] *= chunkScales[c] for every i of chunk c (the chunks of the segments to scale).</summary>
    public static void ScaleChunks(ArrayView<int> chunkStarts, ArrayView<int> chunkLengths, ArrayView<float> chunkScales, int chunks,
        ArrayView<float> x)
    {
        for (int c = Grid.IdxX; c < chunks; c += Grid.DimX)
        {
            int start = chunkStarts[c], end = start + chunkLengths[c];
            float scale = chunkScales[c];
            for (int i = start + Group.IdxX; i < end; i += Group.DimX) x[i] *= scale;
        }
    }

    /// <summary>
    /// Clamps x to [-limit, limit] in place (NaN stays NaN) and writes the sum of squares afterwards
    /// of chunk c of the fixed split to partials[c] (double; FixedSplit). x: [n].
    /// </summary>
    public static void Clamp(ArrayView<float> x, int n, float limit, ArrayView<double> partials)
    {
        var shared = SharedMemory.Allocate<double>(KernelGeometry.GroupSize);
        int count = FixedSplit.Partials(n);
        for (int round = 0, rounds = FixedSplit.Rounds(count); round < rounds; round++)
        {
            int c = FixedSplit.ChunkOf(round);
            double squares = 0;
            for (long i = FixedSplit.First(c), end = FixedSplit.End(c, n); i < end; i += FixedSplit.Lanes)
            {
                float v = x[i];
                if (v > limit) v = limit;
                else if (v < -limit) v = -limit;
                x[i] = v;
                squares += (double)v * v;
            }
            squares = FixedSplit.WarpSum(shared, squares);
            if (Group.IdxX % FixedSplit.Lanes == 0 && c < count) partials[c] = squares;
        }
    }

    /// <summary>x[i] = value where x[i] is NaN or infinite. x: [n].</summary>
    public static void ReplaceNonFinite(ArrayView<float> x, int n, float value)
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride)
            if (!DeviceMath.IsFinite(x[i])) x[i] = value;
    }

    /// <summary>
    /// Unit-wise adaptive clipping (AGC), one warp per unit u = [unitStarts[u], + unitLengths[u]), as
    /// FixedSplit assigns chunks: lane l reads elements l, l + 32, ... (neighbouring lanes, neighbouring
    /// addresses) and the lanes combine in FixedSplit's fixed tree, so the sums do not depend on the
    /// launch shape or the device. maxNorm = clipping * max(||w_u||, eps); when ||g_u|| > maxNorm,
    /// g_u *= maxNorm / max(||g_u||, 1e-6). Writes results[2u] = the unit's sum of squares afterwards
    /// and results[2u + 1] = 1 if it was clipped. Every warp of the grid takes part in the same number
    /// of rounds (the barriers of the lane trees match).
    /// </summary>
    public static void AdaptiveClip(ArrayView<float> values, ArrayView<int> unitStarts, ArrayView<int> unitLengths, int units,
        float clipping, float eps, ArrayView<float> grads, ArrayView<double> results)
    {
        var shared = SharedMemory.Allocate<double>(KernelGeometry.GroupSize);
        int lane = Group.IdxX % FixedSplit.Lanes;
        for (int round = 0, rounds = FixedSplit.Rounds(units); round < rounds; round++)
        {
            int u = FixedSplit.ChunkOf(round);
            int start = u < units ? unitStarts[u] : 0, end = u < units ? start + unitLengths[u] : 0;
            double wSquares = 0, gSquares = 0;
            for (int i = start + lane; i < end; i += FixedSplit.Lanes)
            {
                double w = values[i], g = grads[i];
                wSquares += w * w;
                gSquares += g * g;
            }
            double wTotal = FixedSplit.WarpSum(shared, wSquares), gTotal = FixedSplit.WarpSum(shared, gSquares);
            double gNorm = Math.Sqrt(gTotal);
            double maxNorm = clipping * DeviceMath.Max(Math.Sqrt(wTotal), eps);
            bool clip = gNorm > maxNorm;
            double after = gSquares; // unclipped, the second tree gives gTotal again
            if (clip)
            {
                float scale = (float)(maxNorm / DeviceMath.Max(gNorm, 1e-6));
                after = 0;
                for (int i = start + lane; i < end; i += FixedSplit.Lanes)
                {
                    float g = grads[i] * scale;
                    grads[i] = g;
                    after += (double)g * g;
                }
            }
            after = FixedSplit.WarpSum(shared, after);
            if (lane == 0 && u < units)
            {
                results[2 * u] = after;
                results[2 * u + 1] = clip ? 1 : 0;
            }
        }
    }
}
