// RowProduct: c[1, N] = alpha * a[1, K] op(B) + beta * c, the batch-1 step of a recurrent time loop,
// read from B where it lies rather than from a packed copy. B's rows are cut into the same two halves
// in both layouts, so the forward product of a step (W_hh stored [4H, H] used transposed: one dot
// product per row) and the backward one (the same W_hh used as it lies: rows scaled and summed) read the
// same half of W_hh on the same core. Each core's half (512 KB at H = 256) then stays in its L2 through
// the time loop; with a packed copy for each direction, each core streamed 1 MB per step, its whole L2.
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

internal static unsafe class RowProduct
{
    /// <summary>Always two halves, whatever the core count: the row sum adds its halves in this order, so results do not depend on the machine.</summary>
    private const int Parts = 2;

    [ThreadStatic] private static float[]? partials;

    /// <summary>
    /// B is stored [N, K] when rowsAreOutputs (op(B) = B^T: c[j] is row j dotted with a), else [K, N]
    /// (c is the sum of rows scaled by a). beta 0 overwrites c, even NaN.
    /// </summary>
    public static void Run(float[] a, int aOffset, float[] b, int bOffset, bool rowsAreOutputs, int k, int n, float alpha, float beta, float[] c, int cOffset)
    {
        bool parallel = (long)k * n >= Sgemm.ParallelThreshold;
        if (rowsAreOutputs)
        {
            void Dots(int part) => RowDots(a, aOffset, b, bOffset, k, part * n / Parts, (part + 1) * n / Parts, alpha, beta, c, cOffset);
            if (parallel) Cores.For(Parts, Dots);
            else for (int part = 0; part < Parts; part++) Dots(part);
            return;
        }
        var sums = partials is { } p && p.Length >= Parts * n ? p : partials = new float[Parts * n];
        void Sum(int part) => RowSum(a, aOffset, b, bOffset, n, part * k / Parts, (part + 1) * k / Parts, sums, part * n);
        if (parallel) Cores.For(Parts, Sum);
        else for (int part = 0; part < Parts; part++) Sum(part);
        for (int j = 0; j < n; j++)
        {
            float total = alpha * (sums[j] + sums[n + j]);
            c[cOffset + j] = beta == 0f ? total : total + beta * c[cOffset + j];
        }
    }

    /// <summary>c[j] = alpha * (row j of B . a) + beta * c[j] for rows [first, end); four rows at a time, two chains each, to cover the FMA latency.</summary>
    private static void RowDots(float[] a, int aOffset, float[] b, int bOffset, int k, int first, int end, float alpha, float beta, float[] c, int cOffset)
    {
        fixed (float* A = a, B = b, C = c)
        {
            float* x = A + aOffset;
            int j = first;
            for (; j + 4 <= end; j += 4)
            {
                float* r0 = B + bOffset + (long)j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
                int p = 0;
                for (; p + 32 <= k; p += 32)
                {
                    var x0 = Vector512.Load(x + p); var x1 = Vector512.Load(x + p + 16);
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Load(r0 + p), x0, s0); t0 = Vector512.FusedMultiplyAdd(Vector512.Load(r0 + p + 16), x1, t0);
                    s1 = Vector512.FusedMultiplyAdd(Vector512.Load(r1 + p), x0, s1); t1 = Vector512.FusedMultiplyAdd(Vector512.Load(r1 + p + 16), x1, t1);
                    s2 = Vector512.FusedMultiplyAdd(Vector512.Load(r2 + p), x0, s2); t2 = Vector512.FusedMultiplyAdd(Vector512.Load(r2 + p + 16), x1, t2);
                    s3 = Vector512.FusedMultiplyAdd(Vector512.Load(r3 + p), x0, s3); t3 = Vector512.FusedMultiplyAdd(Vector512.Load(r3 + p + 16), x1, t3);
                }
                float d0 = Vector512.Sum(s0 + t0), d1 = Vector512.Sum(s1 + t1), d2 = Vector512.Sum(s2 + t2), d3 = Vector512.Sum(s3 + t3);
                for (; p < k; p++)
                {
                    d0 += r0[p] * x[p]; d1 += r1[p] * x[p]; d2 += r2[p] * x[p]; d3 += r3[p] * x[p];
                }
                Write(C + cOffset + j, alpha, beta, d0); Write(C + cOffset + j + 1, alpha, beta, d1);
                Write(C + cOffset + j + 2, alpha, beta, d2); Write(C + cOffset + j + 3, alpha, beta, d3);
            }
            for (; j < end; j++)
            {
                float* r = B + bOffset + (long)j * k;
                Vector512<float> s = default, t = default;
                int p = 0;
                for (; p + 32 <= k; p += 32)
                {
                    s = Vector512.FusedMultiplyAdd(Vector512.Load(r + p), Vector512.Load(x + p), s);
                    t = Vector512.FusedMultiplyAdd(Vector512.Load(r + p + 16), Vector512.Load(x + p + 16), t);
                }
                float d = Vector512.Sum(s + t);
                for (; p < k; p++) d += r[p] * x[p];
                Write(C + cOffset + j, alpha, beta, d);
            }
        }
    }

    private static void Write(float* c, float alpha, float beta, float dot) => *c = beta == 0f ? alpha * dot : alpha * dot + beta * *c;

    /// <summary>sums[at..at + n) = sum over rows r in [first, end), in row order, of a[r] * (row r of B); four rows per pass over the sums.</summary>
    private static void RowSum(float[] a, int aOffset, float[] b, int bOffset, int n, int first, int end, float[] sums, int at)
    {
        fixed (float* A = a, B = b, S = sums)
        {
            float* s = S + at;
            new Span<float>(s, n).Clear();
            int r = first;
            for (; r + 4 <= end; r += 4)
            {
                float* w0 = B + bOffset + (long)r * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
                float a0 = A[aOffset + r], a1 = A[aOffset + r + 1], a2 = A[aOffset + r + 2], a3 = A[aOffset + r + 3];
                Vector512<float> v0 = Vector512.Create(a0), v1 = Vector512.Create(a1), v2 = Vector512.Create(a2), v3 = Vector512.Create(a3);
                int j = 0;
                for (; j + 16 <= n; j += 16)
                {
                    var acc = Vector512.FusedMultiplyAdd(v0, Vector512.Load(w0 + j), Vector512.Load(s + j));
                    acc = Vector512.FusedMultiplyAdd(v1, Vector512.Load(w1 + j), acc);
                    acc = Vector512.FusedMultiplyAdd(v2, Vector512.Load(w2 + j), acc);
                    Vector512.FusedMultiplyAdd(v3, Vector512.Load(w3 + j), acc).Store(s + j);
                }
                for (; j < n; j++) s[j] = MathF.FusedMultiplyAdd(a3, w3[j], MathF.FusedMultiplyAdd(a2, w2[j], MathF.FusedMultiplyAdd(a1, w1[j], MathF.FusedMultiplyAdd(a0, w0[j], s[j]))));
            }
            for (; r < end; r++)
            {
                float* w = B + bOffset + (long)r * n;
                float ar = A[aOffset + r];
                var v = Vector512.Create(ar);
                int j = 0;
                for (; j + 16 <= n; j += 16) Vector512.FusedMultiplyAdd(v, Vector512.Load(w + j), Vector512.Load(s + j)).Store(s + j);
                for (; j < n; j++) s[j] = MathF.FusedMultiplyAdd(ar, w[j], s[j]);
            }
        }
    }
}
