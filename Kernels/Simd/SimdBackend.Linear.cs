// SIMD linear algebra: the blocked SGEMM, and bias broadcast / reduction with TensorPrimitives.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public partial class SimdBackend
{
    public override void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        if (!Sgemm.Supported)
        {
            base.Gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
            return;
        }
        GemmChecks.Validate(m, n, k, a, b, c);
        Sgemm.Run(transA, transB, m, n, k, alpha, a.Array(out int ao), ao, b.Array(out int bo), bo, beta, c.Array(out int co), co);
    }

    private sealed class Packed(Tensor source, bool transposed, int k, int n) : PreparedMatrix(source, transposed, k, n)
    {
        public PackedB Data { get; } = new();
    }

    public override PreparedMatrix Prepare(Tensor b, bool transB, int k, int n, PreparedMatrix? reuse = null)
    {
        if (!Sgemm.Supported) return base.Prepare(b, transB, k, n, reuse);
        ShapeOf.RequireLength("Prepare", "B", b, k * n);
        var packed = reuse is Packed p && p.Source == b && p.Transposed == transB && p.K == k && p.N == n ? p : new Packed(b, transB, k, n);
        packed.Data.Pack(transB, b.Array(out int offset), offset, k, n);
        return packed;
    }

    public override void Gemm(bool transA, int m, float alpha, Tensor a, PreparedMatrix b, float beta, Tensor c)
    {
        if (b is not Packed packed)
        {
            base.Gemm(transA, m, alpha, a, b, beta, c);
            return;
        }
        GemmChecks.Validate(m, b.N, b.K, a, b.Source, c);
        Sgemm.Run(transA, m, alpha, a.Array(out int ao), ao, packed.Data, beta, c.Array(out int co), co);
    }

    public override void AddBias(Tensor x, Tensor bias, Tensor y)
    {
        ShapeOf.RequireSame("AddBias", x, y);
        ShapeOf.RequireLength("AddBias", "bias", bias, x.Columns);
        var X = x.Span(); var Bv = bias.Span(); var Y = y.Span();
        int cols = Bv.Length;
        for (int r = 0; r < X.Length / Math.Max(cols, 1); r++)
            TensorPrimitives.Add(X.Slice(r * cols, cols), Bv, Y.Slice(r * cols, cols));
    }

    public override void BiasBackward(Tensor dY, Tensor dBias)
    {
        ShapeOf.RequireLength("BiasBackward", "dBias", dBias, dY.Columns);
        var D = dY.Span(); var Db = dBias.Span();
        int cols = Db.Length;
        for (int r = 0; r < D.Length / Math.Max(cols, 1); r++)
            TensorPrimitives.Add(Db, D.Slice(r * cols, cols), Db);
    }
}
