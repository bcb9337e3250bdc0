// Reference GEMM and bias: the textbook triple loop, accumulated in double for a sharper truth.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        GemmChecks.Validate(m, n, k, a, b, c);
        var A = a.Span(); var B = b.Span(); var C = c.Span();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? A[p * m + i] : A[i * k + p];
                    float bv = transB ? B[j * k + p] : B[p * n + j];
                    acc += (double)av * bv;
                }
                float old = beta == 0f ? 0f : beta * C[i * n + j];
                C[i * n + j] = (float)(alpha * acc) + old;
            }
    }

    public virtual PreparedMatrix Prepare(Tensor b, bool transB, int k, int n, PreparedMatrix? reuse = null)
    {
        ShapeOf.RequireLength("Prepare", "B", b, k * n);
        return new PreparedMatrix(b, transB, k, n);
    }

    public virtual void Gemm(bool transA, int m, float alpha, Tensor a, PreparedMatrix b, float beta, Tensor c)
        => Gemm(transA, b.Transposed, m, b.N, b.K, alpha, a, b.Source, beta, c);

    public virtual void AddBias(Tensor x, Tensor bias, Tensor y)
    {
        ShapeOf.RequireSame("AddBias", x, y);
        int cols = bias.Length;
        ShapeOf.RequireLength("AddBias", "bias", bias, x.Columns);
        var X = x.Span(); var Bv = bias.Span(); var Y = y.Span();
        for (int i = 0; i < X.Length; i++) Y[i] = X[i] + Bv[i % cols];
    }

    public virtual void BiasBackward(Tensor dY, Tensor dBias)
    {
        int cols = dBias.Length;
        ShapeOf.RequireLength("BiasBackward", "dBias", dBias, dY.Columns);
        var D = dY.Span(); var Db = dBias.Span();
        for (int i = 0; i < D.Length; i++) Db[i % cols] += D[i];
    }
}

/// <summary>Argument checks shared by every GEMM implementation.</summary>
public static class GemmChecks
{
    public static void Validate(int m, int n, int k, Tensor a, Tensor b, Tensor c)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm: negative size m={m} n={n} k={k}");
        ShapeOf.RequireLength("Gemm", "A", a, m * k);
        ShapeOf.RequireLength("Gemm", "B", b, k * n);
        ShapeOf.RequireLength("Gemm", "C", c, m * n);
    }
}
