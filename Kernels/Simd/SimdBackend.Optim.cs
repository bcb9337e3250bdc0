// SIMD optimizer updates: one fused pass over the flat buffers, 16 floats at a time, split over both
// cores for large buffers. Element-wise, so any split gives the same bits. A model of a few MB is
// updated from L2 and L3, not memory, and there the width of the vectors is the limit.
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public partial class SimdBackend
{
    /// <summary>Runs body over the two halves of [0, length) (Halves); returns the sum of what they return.</summary>
    private static long Chunks(int length, Func<int, int, long> body)
    {
        var counts = new long[2];
        Halves(length, (start, end) => counts[start == 0 ? 0 : 1] = body(start, end));
        return counts[0] + counts[1];
    }

    /// <summary>The guarded store of a vector of new parameter values: non-finite lanes keep the old value; returns how many did.</summary>
    private static int Store(Vector512<float> updated, Vector512<float> old, bool guard, Span<float> destination)
    {
        if (!guard)
        {
            updated.CopyTo(destination);
            return 0;
        }
        var finite = Vector512.Equals(updated - updated, Vector512<float>.Zero); // x - x is NaN for infinities and NaN
        Vector512.ConditionalSelect(finite, updated, old).CopyTo(destination);
        return 16 - BitOperations.PopCount(finite.ExtractMostSignificantBits());
    }

    public override long SgdUpdate(Tensor grad, float gradScale, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep, bool guard, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("SgdUpdate", param, grad, momentumBuffer);
        var G = grad.Array(out int go); var P = param.Array(out int po);
        int mo = 0;
        var M = momentumBuffer?.Array(out mo);
        return Chunks(param.Length, (start, end) =>
        {
            var s = Vector512.Create(gradScale); var wd = Vector512.Create(weightDecay); var mu = Vector512.Create(momentum); var rate = Vector512.Create(lr);
            long kept = 0;
            int i = start;
            for (; i + 16 <= end; i += 16)
            {
                var p = Vector512.Create(P.AsSpan(po + i, 16));
                var g = Vector512.FusedMultiplyAdd(s, Vector512.Create(G.AsSpan(go + i, 16)), wd * p);
                if (M is not null)
                {
                    var m = firstStep ? g : Vector512.FusedMultiplyAdd(mu, Vector512.Create(M.AsSpan(mo + i, 16)), g);
                    m.CopyTo(M.AsSpan(mo + i, 16));
                    g = nesterov ? Vector512.FusedMultiplyAdd(mu, m, g) : m;
                }
                kept += Store(p - rate * g, p, guard, P.AsSpan(po + i, 16));
            }
            for (; i < end; i++)
            {
                float g = gradScale * G[go + i] + weightDecay * P[po + i];
                if (M is not null)
                {
                    M[mo + i] = firstStep ? g : momentum * M[mo + i] + g;
                    g = nesterov ? g + momentum * M[mo + i] : M[mo + i];
                }
                kept += Assign(ref P[po + i], P[po + i] - lr * g, guard);
            }
            return kept;
        });
    }

    public override long AdamUpdate(Tensor grad, float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled,
        float stepSize, float biasCorrection2Sqrt, bool guard, Tensor expAvg, Tensor expAvgSq, Tensor param)
    {
        OptimChecks.Same("AdamUpdate", param, grad, expAvg, expAvgSq);
        var G = grad.Array(out int go); var P = param.Array(out int po); var M = expAvg.Array(out int mo); var V = expAvgSq.Array(out int vo);
        float decay = decoupled ? 1f - lr * weightDecay : 1f, coupled = decoupled ? 0f : weightDecay;
        return Chunks(param.Length, (start, end) =>
        {
            long kept = 0;
            var s = Vector512.Create(gradScale); var b1 = Vector512.Create(beta1); var b2 = Vector512.Create(beta2);
            var c1 = Vector512.Create(1f - beta1); var c2 = Vector512.Create(1f - beta2); var e = Vector512.Create(eps);
            var step = Vector512.Create(stepSize); var bc2 = Vector512.Create(biasCorrection2Sqrt);
            var keep = Vector512.Create(decay); var wd = Vector512.Create(coupled);
            int i = start;
            for (; i + 16 <= end; i += 16)
            {
                var old = Vector512.Create(P.AsSpan(po + i, 16));
                var p = old * keep;
                var g = s * Vector512.Create(G.AsSpan(go + i, 16)) + wd * p;
                var m = b1 * Vector512.Create(M.AsSpan(mo + i, 16)) + c1 * g;
                var v = b2 * Vector512.Create(V.AsSpan(vo + i, 16)) + c2 * g * g;
                m.CopyTo(M.AsSpan(mo + i, 16));
                v.CopyTo(V.AsSpan(vo + i, 16));
                kept += Store(p - step * m / (Vector512.Sqrt(v) / bc2 + e), old, guard, P.AsSpan(po + i, 16));
            }
            for (; i < end; i++)
            {
                float p = P[po + i] * decay;
                float g = gradScale * G[go + i] + coupled * p;
                M[mo + i] = beta1 * M[mo + i] + (1f - beta1) * g;
                V[vo + i] = beta2 * V[vo + i] + (1f - beta2) * g * g;
                kept += Assign(ref P[po + i], p - stepSize * M[mo + i] / (MathF.Sqrt(V[vo + i]) / biasCorrection2Sqrt + eps), guard);
            }
            return kept;
        });
    }
}
