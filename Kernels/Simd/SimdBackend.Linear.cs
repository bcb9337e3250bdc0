// SIMD linear algebra: the blocked SGEMM, and bias broadcast / reduction with TensorPrimitives.
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public unsafe partial class SimdBackend
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
            int first = part * rows / parts, end = (part + 1) * rows / parts;
            fixed (float* xp = X, bp = Bv, yp = Y) RowsPlusBias(xp + xo + first * cols, bp + bo, yp + yo + first * cols, end - first, cols);
        });
    }

    /// <summary>
    /// y = x + bias on each of rows rows of cols floats, 8 at a time, the bias's ragged end element by
    /// element (x may be y). A TensorPrimitives.Add per row cost 20-30 ns a call, 0.1 ms for the 4000
    /// rows of a small model's input projection.
    /// </summary>
    private static void RowsPlusBias(float* x, float* bias, float* y, int rows, int cols)
    {
        int full = cols / 8 * 8;
        for (int r = 0; r < rows; r++, x += cols, y += cols)
        {
            for (int j = 0; j < full; j += 8) (Vector256.Load(x + j) + Vector256.Load(bias + j)).Store(y + j);
            for (int j = full; j < cols; j++) y[j] = x[j] + bias[j];
        }
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
            fixed (float* d = D, db = Db) ColumnSums(d + dOff + first, rows, cols, end - first, db + bOff + first);
        });
    }

    /// <summary>
    /// sums[j] += column j of rows rows (ld floats apart), added row by row in order, 32 columns at a time
    /// in registers. A TensorPrimitives.Add per row, as before, cost 20-30 ns a call: 0.3 ms for the
    /// 4000 rows of 50 columns of a small model's step.
    /// </summary>
    private static void ColumnSums(float* first, int rows, int ld, int count, float* sums)
    {
        int j = 0;
        for (; j + 32 <= count; j += 32)
        {
            Vector256<float> s0 = Vector256.Load(sums + j), s1 = Vector256.Load(sums + j + 8), s2 = Vector256.Load(sums + j + 16), s3 = Vector256.Load(sums + j + 24);
            for (float* p = first + j, end = p + (long)rows * ld; p < end; p += ld)
            {
                s0 += Vector256.Load(p); s1 += Vector256.Load(p + 8); s2 += Vector256.Load(p + 16); s3 += Vector256.Load(p + 24);
            }
            s0.Store(sums + j); s1.Store(sums + j + 8); s2.Store(sums + j + 16); s3.Store(sums + j + 24);
        }
        for (; j + 8 <= count; j += 8)
        {
            var s = Vector256.Load(sums + j);
            for (float* p = first + j, end = p + (long)rows * ld; p < end; p += ld) s += Vector256.Load(p);
            s.Store(sums + j);
        }
        if (j < count && count >= 8)
        {
            // The last count - j columns (under 8) as the last lanes of the 8 columns ending at count: each
            // lane sums its column row by row as the scalar loop would, in one chain of vector adds instead of
            // one dependent chain per column (4000 rows: 10-30 us a column).
            int lane0 = count - 8, skip = j - lane0;
            float* lanes = stackalloc float[8];
            for (int l = 0; l < 8; l++) lanes[l] = sums[lane0 + l];
            var s = Vector256.Load(lanes);
            for (float* p = first + lane0, end = p + (long)rows * ld; p < end; p += ld) s += Vector256.Load(p);
            s.Store(lanes);
            for (int l = skip; l < 8; l++) sums[lane0 + l] = lanes[l];
            return;
        }
        for (; j < count; j++)
        {
            float s = sums[j];
            for (float* p = first + j, end = p + (long)rows * ld; p < end; p += ld) s += *p;
            sums[j] = s;
        }
    }
}
