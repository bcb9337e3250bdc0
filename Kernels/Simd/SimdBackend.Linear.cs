// SIMD linear algebra: the blocked SGEMM, and bias broadcast / reduction with TensorPrimitives.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public partial class SimdBackend
{
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        if (!Sgemm.Supported)
        {
            scalar.Gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
            return;
        }
        GemmChecks.Validate(m, n, k, a, b, c);
        Sgemm.Run(transA, transB, m, n, k, alpha, a.Array(out int ao), ao, b.Array(out int bo), bo, beta, c.Array(out int co), co);
    }

    private sealed class Packed(Tensor source, bool transposed, int k, int n) : PreparedMatrix(source, transposed, k, n)
    {
        public PackedB Data { get; } = new();
    }

    public PreparedMatrix Prepare(Tensor b, bool transB, int k, int n, PreparedMatrix? reuse = null)
    {
        if (!Sgemm.Supported) return scalar.Prepare(b, transB, k, n, reuse);
        ShapeOf.RequireLength("Prepare", "B", b, k * n);
        var packed = reuse is Packed p && p.Source == b && p.Transposed == transB && p.K == k && p.N == n ? p : new Packed(b, transB, k, n);
        packed.Data.Pack(transB, b.Array(out int offset), offset, k, n);
        return packed;
    }

    public void Gemm(bool transA, int m, float alpha, Tensor a, PreparedMatrix b, float beta, Tensor c)
    {
        if (b is not Packed packed)
        {
            // Prepared by another backend (or here, on a CPU without the GEMM's instructions): the plain product.
            Gemm(transA, b.Transposed, m, b.N, b.K, alpha, a, b.Source, beta, c);
            return;
        }
        GemmChecks.Validate(m, b.N, b.K, a, b.Source, c);
        Sgemm.Run(transA, m, alpha, a.Array(out int ao), ao, packed.Data, beta, c.Array(out int co), co);
    }

    /// <summary>Below this many elements the bias kernels run on one core: a hand-off would cost more.</summary>
    private const int ParallelBiasElements = 1 << 14;

    // Rows split over the cores.
    public void AddBias(Tensor x, Tensor bias, Tensor y)
    {
        ShapeOf.RequireSame("AddBias", x, y);
        ShapeOf.RequireLength("AddBias", "bias", bias, x.Columns);
        int cols = bias.Length, rows = x.Length / Math.Max(cols, 1);
        var X = x.Array(out int xo); var Bv = bias.Array(out int bo); var Y = y.Array(out int yo);
        int parts = x.Length >= ParallelBiasElements ? Cores.Count : 1;
        Cores.For(parts, part =>
        {
            var bv = Bv.AsSpan(bo, cols);
            for (int r = part * rows / parts; r < (part + 1) * rows / parts; r++)
                TensorPrimitives.Add(X.AsSpan(xo + r * cols, cols), bv, Y.AsSpan(yo + r * cols, cols));
        });
    }

    // Columns split over the cores, each summed over the rows in row order.
    public void BiasBackward(Tensor dY, Tensor dBias)
    {
        ShapeOf.RequireLength("BiasBackward", "dBias", dBias, dY.Columns);
        int cols = dBias.Length, rows = dY.Length / Math.Max(cols, 1);
        var D = dY.Array(out int dOff); var Db = dBias.Array(out int bOff);
        int parts = dY.Length >= ParallelBiasElements ? Cores.Count : 1;
        Cores.For(parts, part =>
        {
            // Column ranges on 64-byte boundaries, so that the two cores never share a cache line of dBias.
            int first = Math.Min(cols, part * cols / parts / 16 * 16), end = part == parts - 1 ? cols : Math.Min(cols, (part + 1) * cols / parts / 16 * 16);
            var db = Db.AsSpan(bOff + first, end - first);
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(db, D.AsSpan(dOff + r * cols + first, end - first), db);
        });
    }
}
