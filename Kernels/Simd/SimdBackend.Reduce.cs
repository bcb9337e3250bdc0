// SIMD reductions and the fused softmax cross-entropy. Sums are accumulated in double, in a fixed
// order (lanes of 8, combined at the end in lane order), so they are both accurate and reproducible.
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public partial class SimdBackend
{
    public override double Sum(Tensor x) => DoubleSums.Sum(x.Span());

    public override double Dot(Tensor a, Tensor b)
    {
        ShapeOf.RequireLength("Dot", "second operand", b, a.Length);
        return DoubleSums.Dot(a.Span(), b.Span());
    }

    public override double SoftmaxCrossEntropyForward(Tensor logits, int[] targets, Tensor probs)
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

    public override void SoftmaxCrossEntropyBackward(Tensor probs, int[] targets, float scale, Tensor dLogits)
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

/// <summary>Double-precision sums of float spans with a fixed summation order.</summary>
internal static class DoubleSums
{
    public static double Sum(ReadOnlySpan<float> x)
    {
        var acc = Vector512<double>.Zero;
        int i = 0;
        for (; i + 8 <= x.Length; i += 8) acc += Vector512.WidenLower(Vector512.Create(Vector256.Create(x.Slice(i, 8)), Vector256<float>.Zero));
        double s = Vector512.Sum(acc);
        for (; i < x.Length; i++) s += x[i];
        return s;
    }

    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector512<double>.Zero;
        int i = 0;
        for (; i + 8 <= a.Length; i += 8)
        {
            var wa = Vector512.WidenLower(Vector512.Create(Vector256.Create(a.Slice(i, 8)), Vector256<float>.Zero));
            var wb = Vector512.WidenLower(Vector512.Create(Vector256.Create(b.Slice(i, 8)), Vector256<float>.Zero));
            acc = Vector512.FusedMultiplyAdd(wa, wb, acc);
        }
        double s = Vector512.Sum(acc);
        for (; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}
