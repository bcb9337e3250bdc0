// SIMD reductions and the fused softmax cross-entropy. Sums are accumulated in double, in a fixed
// order (lanes of 8, combined at the end in lane order), so they are both accurate and reproducible.
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public partial class SimdBackend
{
    public double Sum(Tensor x)
    {
        var halves = new double[2];
        Halves(x.Length, (s, e) => halves[s == 0 ? 0 : 1] = DoubleSums.Sum(x.Span()[s..e]));
        return halves[0] + halves[1];
    }

    public double Dot(Tensor a, Tensor b)
    {
        ShapeOf.RequireLength("Dot", "second operand", b, a.Length);
        return Dot(a.Array(out int aOff), aOff, b.Array(out int bOff), bOff, a.Length);
    }

    /// <summary>Dot of two host buffers, summed as Dot(Tensor, Tensor) sums them (the time loops' norms).</summary>
    private static double Dot(float[] a, int aOff, float[] b, int bOff, int length)
    {
        var halves = new double[2];
        Halves(length, (s, e) => halves[s == 0 ? 0 : 1] = DoubleSums.Dot(a.AsSpan(aOff + s, e - s), b.AsSpan(bOff + s, e - s)));
        return halves[0] + halves[1];
    }

    public double SoftmaxCrossEntropyForward(Tensor logits, int[] targets, Tensor probs)
    {
        ShapeOf.RequireSame("SoftmaxCrossEntropyForward", logits, probs);
        int v = logits.Columns;
        var L = logits.Span(); var P = probs.Span();
        double total = 0;
        for (int n = 0; n < targets.Length; n++)
        {
            var row = L.Slice(n * v, v);
            var p = P.Slice(n * v, v);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, p);
            TensorPrimitives.Exp(p, p);
            double sum = DoubleSums.Sum(p);
            TensorPrimitives.Multiply(p, (float)(1 / sum), p);
            total += Math.Log(sum) + max - row[targets[n]];
        }
        return total;
    }

    public void SoftmaxCrossEntropyBackward(Tensor probs, int[] targets, float scale, Tensor dLogits)
    {
        ShapeOf.RequireSame("SoftmaxCrossEntropyBackward", probs, dLogits);
        int v = probs.Columns;
        var P = probs.Span(); var D = dLogits.Span();
        for (int n = 0; n < targets.Length; n++)
        {
            var d = D.Slice(n * v, v);
            TensorPrimitives.FusedMultiplyAdd(P.Slice(n * v, v), scale, d, d);
            d[targets[n]] -= scale;
        }
    }
}

/// <summary>
/// Double-precision sums of float spans with a fixed summation order: 16 floats at a time into four
/// accumulators (two of 8 doubles for each half of a vector), so that each add waits on one from
/// 16 floats before, not 8: with one accumulator the adds' latency would be the limit.
/// </summary>
internal static class DoubleSums
{
    public static double Sum(ReadOnlySpan<float> x)
    {
        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + 32 <= x.Length; i += 32)
        {
            var (l0, h0) = Vector512.Widen(Vector512.Create(x.Slice(i, 16)));
            var (l1, h1) = Vector512.Widen(Vector512.Create(x.Slice(i + 16, 16)));
            a0 += l0;
            a1 += h0;
            a2 += l1;
            a3 += h1;
        }
        double s = Vector512.Sum((a0 + a1) + (a2 + a3));
        for (; i < x.Length; i++) s += x[i];
        return s;
    }

    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + 32 <= a.Length; i += 32)
        {
            var (la0, ha0) = Vector512.Widen(Vector512.Create(a.Slice(i, 16)));
            var (lb0, hb0) = Vector512.Widen(Vector512.Create(b.Slice(i, 16)));
            var (la1, ha1) = Vector512.Widen(Vector512.Create(a.Slice(i + 16, 16)));
            var (lb1, hb1) = Vector512.Widen(Vector512.Create(b.Slice(i + 16, 16)));
            a0 = Vector512.FusedMultiplyAdd(la0, lb0, a0);
            a1 = Vector512.FusedMultiplyAdd(ha0, hb0, a1);
            a2 = Vector512.FusedMultiplyAdd(la1, lb1, a2);
            a3 = Vector512.FusedMultiplyAdd(ha1, hb1, a3);
        }
        double s = Vector512.Sum((a0 + a1) + (a2 + a3));
        for (; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}
