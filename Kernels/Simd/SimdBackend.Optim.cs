// SIMD optimizer updates: one fused pass over the flat buffers, 16 floats at a time, split over both
// cores for large buffers (Halves). Element-wise, so any split gives the same bits. The vector paths
// restate the reference's element functions operation for operation, and the tails call those
// functions, so each formula has one scalar statement. SGD's vector path fuses its multiply-adds (one
// rounding fewer than the reference); the others round exactly as the reference does.
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

    public long SgdUpdate(Tensor grad, in SgdStep step, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Sgd(step, grad, momentumBuffer, param);
        var G = grad.Array(out int go); var P = param.Array(out int po);
        int mo = 0;
        var M = step.Momentum != 0f ? momentumBuffer!.Array(out mo) : null;
        var st = step;
        return Chunks(param.Length, (start, end) =>
        {
            var s = Vector512.Create(st.GradScale); var wd = Vector512.Create(st.WeightDecay); var mu = Vector512.Create(st.Momentum);
            var rate = Vector512.Create(st.LearningRate);
            long kept = 0;
            int i = start;
            for (; i + 16 <= end; i += 16)
            {
                var p = Vector512.Create(P.AsSpan(po + i, 16));
                var g = Vector512.FusedMultiplyAdd(s, Vector512.Create(G.AsSpan(go + i, 16)), wd * p);
                if (M is not null)
                {
                    var m = st.FirstStep ? g : Vector512.FusedMultiplyAdd(mu, Vector512.Create(M.AsSpan(mo + i, 16)), g);
                    m.CopyTo(M.AsSpan(mo + i, 16));
                    g = st.Nesterov ? Vector512.FusedMultiplyAdd(mu, m, g) : m;
                }
                kept += Store(p - rate * g, p, st.Guard, P.AsSpan(po + i, 16));
            }
            float unused = 0f;
            for (; i < end; i++)
                kept += ReferenceBackend.Sgd(st, G[go + i], ref P[po + i], ref M is null ? ref unused : ref M[mo + i], M is not null);
            return kept;
        });
    }

    public long AdamUpdate(Tensor grad, in AdamStep step, Tensor expAvg, Tensor expAvgSq, Tensor param)
    {
        OptimChecks.Same("AdamUpdate", param, grad, expAvg, expAvgSq);
        var G = grad.Array(out int go); var P = param.Array(out int po); var M = expAvg.Array(out int mo); var V = expAvgSq.Array(out int vo);
        var st = step;
        return Chunks(param.Length, (start, end) =>
        {
            long kept = 0;
            var s = Vector512.Create(st.GradScale); var b1 = Vector512.Create(st.Beta1); var b2 = Vector512.Create(st.Beta2);
            var c1 = Vector512.Create(1f - st.Beta1); var c2 = Vector512.Create(1f - st.Beta2); var e = Vector512.Create(st.Eps);
            var size = Vector512.Create(st.StepSize); var bc2 = Vector512.Create(st.BiasCorrection2Sqrt);
            var keep = Vector512.Create(st.Decoupled ? 1f - st.LearningRate * st.WeightDecay : 1f);
            var wd = Vector512.Create(st.Decoupled ? 0f : st.WeightDecay);
            int i = start;
            for (; i + 16 <= end; i += 16)
            {
                var old = Vector512.Create(P.AsSpan(po + i, 16));
                var g = s * Vector512.Create(G.AsSpan(go + i, 16)) + wd * old;
                var m = b1 * Vector512.Create(M.AsSpan(mo + i, 16)) + c1 * g;
                var v = b2 * Vector512.Create(V.AsSpan(vo + i, 16)) + c2 * g * g;
                m.CopyTo(M.AsSpan(mo + i, 16));
                v.CopyTo(V.AsSpan(vo + i, 16));
                kept += Store(old * keep - size * m / (Vector512.Sqrt(v) / bc2 + e), old, st.Guard, P.AsSpan(po + i, 16));
            }
            for (; i < end; i++) kept += ReferenceBackend.Adam(st, G[go + i], ref P[po + i], ref M[mo + i], ref V[vo + i]);
            return kept;
        });
    }

    public long RmspropUpdate(Tensor grad, in RmspropStep step, Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("RmspropUpdate", param, grad, squareAvg, gradAvg, momentumBuffer);
        var G = grad.Array(out int go); var P = param.Array(out int po); var S = squareAvg.Array(out int so);
        int ao = 0, mo = 0;
        var A = gradAvg?.Array(out ao); var M = momentumBuffer?.Array(out mo);
        var st = step;
        return Chunks(param.Length, (start, end) =>
        {
            long kept = 0;
            var s = Vector512.Create(st.GradScale); var wd = Vector512.Create(st.WeightDecay); var alpha = Vector512.Create(st.Alpha);
            var c = Vector512.Create(1f - st.Alpha); var e = Vector512.Create(st.Eps); var rate = Vector512.Create(st.LearningRate);
            var mu = Vector512.Create(st.Momentum);
            int i = start;
            for (; i + 16 <= end; i += 16)
            {
                var p = Vector512.Create(P.AsSpan(po + i, 16));
                var g = s * Vector512.Create(G.AsSpan(go + i, 16)) + wd * p;
                var square = alpha * Vector512.Create(S.AsSpan(so + i, 16)) + c * g * g;
                square.CopyTo(S.AsSpan(so + i, 16));
                Vector512<float> denom;
                if (A is not null)
                {
                    var average = alpha * Vector512.Create(A.AsSpan(ao + i, 16)) + c * g;
                    average.CopyTo(A.AsSpan(ao + i, 16));
                    denom = Vector512.Sqrt(square - average * average) + e;
                }
                else denom = Vector512.Sqrt(square) + e;
                Vector512<float> updated;
                if (M is not null)
                {
                    var m = mu * Vector512.Create(M.AsSpan(mo + i, 16)) + g / denom;
                    m.CopyTo(M.AsSpan(mo + i, 16));
                    updated = p - rate * m;
                }
                else updated = p - rate * g / denom;
                kept += Store(updated, p, st.Guard, P.AsSpan(po + i, 16));
            }
            float unusedA = 0f, unusedM = 0f;
            for (; i < end; i++)
                kept += ReferenceBackend.Rmsprop(st, G[go + i], ref P[po + i], ref S[so + i], ref A is null ? ref unusedA : ref A[ao + i], A is not null,
                    ref M is null ? ref unusedM : ref M[mo + i], M is not null);
            return kept;
        });
    }

    public long AdagradUpdate(Tensor grad, in AdagradStep step, Tensor sum, Tensor param)
    {
        OptimChecks.Same("AdagradUpdate", param, grad, sum);
        var G = grad.Array(out int go); var P = param.Array(out int po); var S = sum.Array(out int so);
        var st = step;
        return Chunks(param.Length, (start, end) =>
        {
            long kept = 0;
            var s = Vector512.Create(st.GradScale); var wd = Vector512.Create(st.WeightDecay);
            var rate = Vector512.Create(st.DecayedRate); var e = Vector512.Create(st.Eps);
            int i = start;
            for (; i + 16 <= end; i += 16)
            {
                var p = Vector512.Create(P.AsSpan(po + i, 16));
                var g = s * Vector512.Create(G.AsSpan(go + i, 16)) + wd * p;
                var total = Vector512.Create(S.AsSpan(so + i, 16)) + g * g;
                total.CopyTo(S.AsSpan(so + i, 16));
                kept += Store(p - rate * g / (Vector512.Sqrt(total) + e), p, st.Guard, P.AsSpan(po + i, 16));
            }
            for (; i < end; i++) kept += ReferenceBackend.Adagrad(st, G[go + i], ref P[po + i], ref S[so + i]);
            return kept;
        });
    }
}
