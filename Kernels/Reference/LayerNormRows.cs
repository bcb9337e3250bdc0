// LayerNormRows: layer normalisation row by row on host memory, the arithmetic of
// IBackend.LayerNormForward/Backward written once. The reference backend runs it on its tensors; the
// GPU backend runs it on host copies (it has no layer-norm kernel of its own).
namespace Engine.Kernels;

public static class LayerNormRows
{
    /// <summary>Checks the shapes and returns H for x [N, H], weight and bias [H], mean and rstd [N].</summary>
    public static int Hidden(string op, Tensor x, Tensor weight, Tensor mean, Tensor rstd, params Tensor[] sameAsX)
    {
        int hidden = weight.Length;
        if (hidden == 0 || x.Length % hidden != 0)
            throw new ArgumentException($"{op}: x {ShapeOf.Format(x.Shape)} does not split into rows of {hidden}");
        int rows = x.Length / hidden;
        ShapeOf.RequireLength(op, "mean", mean, rows);
        ShapeOf.RequireLength(op, "rstd", rstd, rows);
        foreach (var t in sameAsX) ShapeOf.RequireLength(op, "tensor", t, x.Length);
        return hidden;
    }

    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y, Span<float> mean, Span<float> rstd)
    {
        int h = weight.Length;
        for (int n = 0; n < mean.Length; n++)
        {
            var row = x.Slice(n * h, h);
            double sum = 0;
            for (int j = 0; j < h; j++) sum += row[j];
            float mu = (float)(sum / h);
            double squares = 0;
            for (int j = 0; j < h; j++) { double d = row[j] - mu; squares += d * d; }
            float r = (float)(1.0 / Math.Sqrt(squares / h + eps));
            mean[n] = mu;
            rstd[n] = r;
            var output = y.Slice(n * h, h);
            for (int j = 0; j < h; j++) output[j] = (row[j] - mu) * r * weight[j] + bias[j];
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dY,
        Span<float> dX, Span<float> dWeight, Span<float> dBias)
    {
        int h = weight.Length;
        for (int n = 0; n < mean.Length; n++)
        {
            var row = x.Slice(n * h, h);
            var dy = dY.Slice(n * h, h);
            float mu = mean[n], r = rstd[n];
            double sumG = 0, sumGx = 0;
            for (int j = 0; j < h; j++)
            {
                float xhat = (row[j] - mu) * r, g = dy[j] * weight[j];
                sumG += g;
                sumGx += (double)g * xhat;
                dWeight[j] += dy[j] * xhat;
                dBias[j] += dy[j];
            }
            float meanG = (float)(sumG / h), meanGx = (float)(sumGx / h);
            var dx = dX.Slice(n * h, h);
            for (int j = 0; j < h; j++)
            {
                float xhat = (row[j] - mu) * r;
                dx[j] += r * (dy[j] * weight[j] - meanG - xhat * meanGx);
            }
        }
    }
}
