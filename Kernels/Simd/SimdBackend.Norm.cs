// SIMD layer normalisation, row by row: the reference's arithmetic (LayerNormRows) with each row's
// passes vectorised. The row sums accumulate in float vectors, so results differ from the reference
// in the last bits (the tests compare within a tolerance); they do not depend on the core count.
using System.Buffers;
using System.Numerics.Tensors;

namespace Engine.Kernels;

public sealed partial class SimdBackend
{
    public void LayerNormForward(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        int h = LayerNormRows.Hidden("LayerNormForward", x, weight, mean, rstd, y);
        ShapeOf.RequireLength("LayerNormForward", "bias", bias, h);
        var X = x.Span(); var Y = y.Span(); var W = weight.Span(); var B = bias.Span(); var M = mean.Span(); var R = rstd.Span();
        for (int n = 0; n < M.Length; n++)
        {
            var row = X.Slice(n * h, h);
            var output = Y.Slice(n * h, h);
            float mu = (float)(DoubleSums.Sum(row) / h);
            TensorPrimitives.Subtract(row, mu, output);
            float r = (float)(1.0 / Math.Sqrt(TensorPrimitives.SumOfSquares(output) / (double)h + eps));
            M[n] = mu;
            R[n] = r;
            TensorPrimitives.Multiply(output, r, output);
            TensorPrimitives.FusedMultiplyAdd(output, W, B, output);
        }
    }

    public void LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dY, Tensor dX, Tensor dWeight, Tensor dBias)
    {
        int h = LayerNormRows.Hidden("LayerNormBackward", x, weight, mean, rstd, dY, dX);
        ShapeOf.RequireLength("LayerNormBackward", "dWeight", dWeight, h);
        ShapeOf.RequireLength("LayerNormBackward", "dBias", dBias, h);
        var X = x.Span(); var W = weight.Span(); var M = mean.Span(); var R = rstd.Span(); var DY = dY.Span();
        var DX = dX.Span(); var DW = dWeight.Span(); var DB = dBias.Span();
        float[] rented = ArrayPool<float>.Shared.Rent(2 * h);
        var xhat = rented.AsSpan(0, h);
        var g = rented.AsSpan(h, h);
        for (int n = 0; n < M.Length; n++)
        {
            var dy = DY.Slice(n * h, h);
            var dx = DX.Slice(n * h, h);
            float r = R[n];
            TensorPrimitives.Subtract(X.Slice(n * h, h), M[n], xhat);
            TensorPrimitives.Multiply(xhat, r, xhat);
            TensorPrimitives.Multiply(dy, W, g);
            float meanG = TensorPrimitives.Sum(g) / h, meanGx = TensorPrimitives.Dot(g, xhat) / h;
            TensorPrimitives.FusedMultiplyAdd(dy, xhat, DW, DW);
            TensorPrimitives.Add(DB, dy, DB);
            // dx += r * (g - meanG - xhat * meanGx)
            TensorPrimitives.FusedMultiplyAdd(xhat, -meanGx, g, g);
            TensorPrimitives.Subtract(g, meanG, g);
            TensorPrimitives.FusedMultiplyAdd(g, r, dx, dx);
        }
        ArrayPool<float>.Shared.Return(rented);
    }

    public void ScaledSum(Tensor x, double scale, Tensor y)
    {
        ShapeOf.RequireLength("ScaledSum", "y", y, 1);
        y.Span()[0] = (float)(Sum(x) * scale);
    }

    public void AddScaledScalar(Tensor s, double scale, Tensor y)
    {
        ShapeOf.RequireLength("AddScaledScalar", "s", s, 1);
        float value = (float)(s.Span()[0] * scale);
        Halves(y.Length, (first, end) => TensorPrimitives.Add(y.Span()[first..end], value, y.Span()[first..end]));
    }
}
