// RowsGemm: C = A B + beta C (beta 0 or 1) for a few rows of A against a packed B, on the calling thread:
// the product of one step of a row-split time loop (SimdBackend.RowSplit), 10 rows by 50 to 200 columns
// at the small models' shape. Tiles of 4 rows by 64 columns (two packed panels, 16 accumulators), so a
// step wastes little on padding rows, or of 5 rows when those cover the rows with less waste (the 10
// rows of a batch of 20 on each of two cores: 4 + 4 + 2 would compute 12), and the ragged end of a row
// is written element by element: Sgemm's 8 x 32 tiles spend most of such a product on rows that repeat
// and on merging edge tiles.
// Each element is summed as Sgemm sums it: from zero, one FMA per depth row in order, and each depth
// block of KC rows then added to C (the first to beta C). So a row's result is the one Sgemm.Run gives
// it, whatever rows share the call.
// Not here: other alpha or beta (the time loops add or overwrite), A transposed, machines without
// 512-bit vectors (the panels are 32 wide).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

internal static unsafe class RowsGemm
{
    private const int NR = 32;

    /// <summary>The tile height for m rows: 5 where it leaves fewer padding rows than 4, else 4.</summary>
    private static int TileRows(int m) => (m + 4) / 5 * 5 - m < (m + 3) / 4 * 4 - m ? 5 : 4;

    /// <summary>C[m, N] = A[m, K] B + beta C, A's rows K apart, C's N apart.</summary>
    public static void Run(int m, float[] a, int aOffset, PackedB b, float beta, float[] c, int cOffset)
    {
        if (beta != 0f && beta != 1f) throw new ArgumentException($"RowsGemm: beta {beta}; a time loop's product adds to C (1) or replaces it (0)");
        if (Sgemm.NR != NR) throw new InvalidOperationException("RowsGemm needs the 32-wide panels of the 512-bit GEMM");
        int n = b.N, k = b.K;
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (beta == 0f) c.AsSpan(cOffset, m * n).Clear();
            return;
        }
        int height = TileRows(m);
        float* tile = stackalloc float[5 * 2 * NR];
        fixed (float* A = a, B = b.Data, C = c)
            for (int pc = 0; pc < k; pc += Sgemm.KC)
            {
                int kc = Math.Min(Sgemm.KC, k - pc);
                bool add = pc > 0 || beta == 1f;
                for (int r0 = 0; r0 < m; r0 += height)
                {
                    int rows = Math.Min(height, m - r0);
                    float* aRows = A + aOffset + r0 * k + pc, cRows = C + cOffset + r0 * n;
                    if (height == 5) Band<FiveRows>(b, B, pc, kc, aRows, k, rows, cRows, add, tile);
                    else Band<FourRows>(b, B, pc, kc, aRows, k, rows, cRows, add, tile);
                }
            }
    }

    /// <summary>One tile's rows of A (rows of them real) through depth block pc of every panel of B into C: two panels a tile, then an odd last one.</summary>
    private static void Band<TRows>(PackedB b, float* B, int pc, int kc, float* aRows, int lda, int rows, float* cRows, bool add, float* tile)
        where TRows : struct, ITileRows
    {
        int n = b.N, panels = b.PaddedN / NR, q = 0;
        for (; q + 2 <= panels; q += 2)
            Tile64<TRows>(kc, aRows, lda, rows, B + b.PanelRow(pc, q), B + b.PanelRow(pc, q + 1), cRows + q * NR, n, Math.Min(2 * NR, n - q * NR), add, tile);
        if (q < panels) Tile32<TRows>(kc, aRows, lda, rows, B + b.PanelRow(pc, q), cRows + q * NR, n, n - q * NR, add, tile);
    }

    /// <summary>Row r of a tile: rows past the valid ones repeat the last valid row (their sums are not stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* a, int lda, int rows, int r) => a + Math.Min(r, rows - 1) * lda;

    /// <summary>A tile's height, a constant of each instantiation: the JIT compiles Tile64 and Tile32 once per height, with the fifth row's code only in the 5-row one.</summary>
    private interface ITileRows { static abstract int Count { get; } }
    private struct FourRows : ITileRows { public static int Count => 4; }
    private struct FiveRows : ITileRows { public static int Count => 5; }

    /// <summary>4 or 5 rows of A by two panels (b0, b1: NR floats per depth row) into the first width (at most 64) columns of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile64<TRows>(int kc, float* a, int lda, int rows, float* b0, float* b1, float* c, int ldc, int width, bool add, float* tile)
        where TRows : struct, ITileRows
    {
        bool five = TRows.Count == 5;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default,
            c40 = default, c41 = default, c42 = default, c43 = default;
        float* a0 = a, a1 = Row(a, lda, rows, 1), a2 = Row(a, lda, rows, 2), a3 = Row(a, lda, rows, 3), a4 = Row(a, lda, rows, 4);
        for (int p = 0; p < kc; p++, b0 += NR, b1 += NR)
        {
            var v0 = Vector512.Load(b0); var v1 = Vector512.Load(b0 + 16); var v2 = Vector512.Load(b1); var v3 = Vector512.Load(b1 + 16);
            var x = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(x, v0, c00); c01 = Vector512.FusedMultiplyAdd(x, v1, c01); c02 = Vector512.FusedMultiplyAdd(x, v2, c02); c03 = Vector512.FusedMultiplyAdd(x, v3, c03);
            x = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(x, v0, c10); c11 = Vector512.FusedMultiplyAdd(x, v1, c11); c12 = Vector512.FusedMultiplyAdd(x, v2, c12); c13 = Vector512.FusedMultiplyAdd(x, v3, c13);
            x = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(x, v0, c20); c21 = Vector512.FusedMultiplyAdd(x, v1, c21); c22 = Vector512.FusedMultiplyAdd(x, v2, c22); c23 = Vector512.FusedMultiplyAdd(x, v3, c23);
            x = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(x, v0, c30); c31 = Vector512.FusedMultiplyAdd(x, v1, c31); c32 = Vector512.FusedMultiplyAdd(x, v2, c32); c33 = Vector512.FusedMultiplyAdd(x, v3, c33);
            if (five)
            {
                x = Vector512.Create(a4[p]);
                c40 = Vector512.FusedMultiplyAdd(x, v0, c40); c41 = Vector512.FusedMultiplyAdd(x, v1, c41); c42 = Vector512.FusedMultiplyAdd(x, v2, c42); c43 = Vector512.FusedMultiplyAdd(x, v3, c43);
            }
        }
        c00.Store(tile); c01.Store(tile + 16); c02.Store(tile + 32); c03.Store(tile + 48);
        c10.Store(tile + 64); c11.Store(tile + 80); c12.Store(tile + 96); c13.Store(tile + 112);
        c20.Store(tile + 128); c21.Store(tile + 144); c22.Store(tile + 160); c23.Store(tile + 176);
        c30.Store(tile + 192); c31.Store(tile + 208); c32.Store(tile + 224); c33.Store(tile + 240);
        if (five) { c40.Store(tile + 256); c41.Store(tile + 272); c42.Store(tile + 288); c43.Store(tile + 304); }
        Merge(tile, 2 * NR, rows, width, add, c, ldc);
    }

    /// <summary>4 or 5 rows of A by one panel into the first width (at most 32) columns of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile32<TRows>(int kc, float* a, int lda, int rows, float* b0, float* c, int ldc, int width, bool add, float* tile)
        where TRows : struct, ITileRows
    {
        bool five = TRows.Count == 5;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default;
        float* a0 = a, a1 = Row(a, lda, rows, 1), a2 = Row(a, lda, rows, 2), a3 = Row(a, lda, rows, 3), a4 = Row(a, lda, rows, 4);
        for (int p = 0; p < kc; p++, b0 += NR)
        {
            var v0 = Vector512.Load(b0); var v1 = Vector512.Load(b0 + 16);
            var x = Vector512.Create(a0[p]); c00 = Vector512.FusedMultiplyAdd(x, v0, c00); c01 = Vector512.FusedMultiplyAdd(x, v1, c01);
            x = Vector512.Create(a1[p]); c10 = Vector512.FusedMultiplyAdd(x, v0, c10); c11 = Vector512.FusedMultiplyAdd(x, v1, c11);
            x = Vector512.Create(a2[p]); c20 = Vector512.FusedMultiplyAdd(x, v0, c20); c21 = Vector512.FusedMultiplyAdd(x, v1, c21);
            x = Vector512.Create(a3[p]); c30 = Vector512.FusedMultiplyAdd(x, v0, c30); c31 = Vector512.FusedMultiplyAdd(x, v1, c31);
            if (five) { x = Vector512.Create(a4[p]); c40 = Vector512.FusedMultiplyAdd(x, v0, c40); c41 = Vector512.FusedMultiplyAdd(x, v1, c41); }
        }
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        if (five) { c40.Store(tile + 128); c41.Store(tile + 144); }
        Merge(tile, NR, rows, width, add, c, ldc);
    }

    /// <summary>
    /// The tile's sums (rows tileWidth apart) into the first width columns of its valid rows: C = sum, or
    /// C + sum. The ragged end of a row goes element by element: a full store would write into the next
    /// row, which another core may own.
    /// </summary>
    private static void Merge(float* tile, int tileWidth, int rows, int width, bool add, float* c, int ldc)
    {
        int full = width / 16 * 16;
        for (int r = 0; r < rows; r++, tile += tileWidth, c += ldc)
        {
            if (add)
            {
                for (int j = 0; j < full; j += 16) (Vector512.Load(c + j) + Vector512.Load(tile + j)).Store(c + j);
                for (int j = full; j < width; j++) c[j] += tile[j];
            }
            else
            {
                for (int j = 0; j < full; j += 16) Vector512.Load(tile + j).Store(c + j);
                for (int j = full; j < width; j++) c[j] = tile[j];
            }
        }
    }
}
