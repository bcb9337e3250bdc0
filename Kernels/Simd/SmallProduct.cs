// SmallProduct: C[rows, n] (+)= A[rows, k] B[k, n] for the small matrices of a recurrent time loop, on
// one core, with B laid out once per loop as a panel [k, np] (np = n rounded up to 32, zero padded).
// A step of a small model (B = 20, H = 50) is ~0.1 MFLOP: handing it to the cores, packing its operands
// and checking its arguments cost more than the arithmetic, so the loops run their steps through this
// instead of Sgemm. Two rows of A share each load of the panel, and each row keeps 32 columns in four
// vector accumulators, so eight FMA chains run side by side. The sums over k run in index order.
// Not here: large matrices (the panel should stay in L2; SimdBackend.TimeLoopFits says when).
using System.Buffers;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

internal sealed unsafe class SmallProduct : IDisposable
{
    private const int Block = 32; // columns per accumulator set: four Vector256

    private readonly float[] panel;

    public int K { get; }
    public int N { get; }
    private int Np { get; }

    /// <summary>The panel of a prepared right operand: B(k, n) = Source[n, k] when transposed, else Source[k, n].</summary>
    public SmallProduct(PreparedMatrix b)
    {
        K = b.K;
        N = b.N;
        Np = PaddedColumns(N);
        panel = ArrayPool<float>.Shared.Rent(K * Np);
        var source = b.Source.Span();
        for (int k = 0; k < K; k++)
        {
            var row = panel.AsSpan(k * Np, Np);
            for (int n = 0; n < N; n++) row[n] = b.Transposed ? source[n * K + k] : source[k * N + n];
            row[N..].Clear();
        }
    }

    public static int PaddedColumns(int n) => (n + Block - 1) / Block * Block;

    /// <summary>c[r, 0..N) = (accumulate ? c[r, 0..N) : 0) + a[r, 0..K) B, for rows r; a and c rows lda and ldc apart.</summary>
    public void Multiply(float* a, int lda, int rows, float* c, int ldc, bool accumulate)
    {
        fixed (float* p = panel)
            for (int r = 0; r < rows; r += 2)
            {
                float* a0 = a + (long)r * lda, a1 = r + 1 < rows ? a0 + lda : a0;
                for (int j = 0; j < Np; j += Block)
                {
                    var x0 = Vector256<float>.Zero; var x1 = Vector256<float>.Zero; var x2 = Vector256<float>.Zero; var x3 = Vector256<float>.Zero;
                    var y0 = Vector256<float>.Zero; var y1 = Vector256<float>.Zero; var y2 = Vector256<float>.Zero; var y3 = Vector256<float>.Zero;
                    float* pk = p + j;
                    for (int k = 0; k < K; k++, pk += Np)
                    {
                        var p0 = Vector256.Load(pk); var p1 = Vector256.Load(pk + 8); var p2 = Vector256.Load(pk + 16); var p3 = Vector256.Load(pk + 24);
                        var s = Vector256.Create(a0[k]);
                        x0 = Vector256.FusedMultiplyAdd(s, p0, x0); x1 = Vector256.FusedMultiplyAdd(s, p1, x1);
                        x2 = Vector256.FusedMultiplyAdd(s, p2, x2); x3 = Vector256.FusedMultiplyAdd(s, p3, x3);
                        s = Vector256.Create(a1[k]);
                        y0 = Vector256.FusedMultiplyAdd(s, p0, y0); y1 = Vector256.FusedMultiplyAdd(s, p1, y1);
                        y2 = Vector256.FusedMultiplyAdd(s, p2, y2); y3 = Vector256.FusedMultiplyAdd(s, p3, y3);
                    }
                    Store(c + (long)r * ldc + j, N - j, accumulate, x0, x1, x2, x3);
                    if (r + 1 < rows) Store(c + (long)(r + 1) * ldc + j, N - j, accumulate, y0, y1, y2, y3);
                }
            }
    }

    /// <summary>The first min(valid, 32) columns of an accumulator set into destination (added to it when accumulating).</summary>
    private static void Store(float* destination, int valid, bool accumulate, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        if (valid >= Block)
        {
            if (accumulate)
            {
                v0 += Vector256.Load(destination); v1 += Vector256.Load(destination + 8);
                v2 += Vector256.Load(destination + 16); v3 += Vector256.Load(destination + 24);
            }
            v0.Store(destination); v1.Store(destination + 8); v2.Store(destination + 16); v3.Store(destination + 24);
            return;
        }
        float* spill = stackalloc float[Block];
        v0.Store(spill); v1.Store(spill + 8); v2.Store(spill + 16); v3.Store(spill + 24);
        for (int i = 0; i < valid; i++) destination[i] = accumulate ? destination[i] + spill[i] : spill[i];
    }

    public void Dispose() => ArrayPool<float>.Shared.Return(panel);
}
