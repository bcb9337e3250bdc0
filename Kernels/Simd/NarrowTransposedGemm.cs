// NarrowTransposedGemm: C[M, N] = A^T B + beta C for a deep A [K, M] and a narrow B [K, N] (N at most 64):
// the weight gradients dG^T x and dG^T h of a small recurrent layer, summed over all T * B rows (depth 4000
// at T = 200, B = 20, with N = 6 inputs or 50 hidden units). Sgemm pads such an N to its 32-wide panels
// (6 columns to 32) and transposes A tile by tile; here the vectors run along M instead, where A's rows
// are contiguous: 4 vectors of 16 rows of C by 6 columns of B in 24 accumulators, each term of B broadcast,
// or 3 vectors by 8 columns where bands of 3 vectors cover C's rows with less padding (200 rows are 13
// vectors: 4 + 3 + 3 + 3 instead of 4 + 4 + 4 + 4).
// Every element is summed exactly as Sgemm.Run sums it: from zero, one FMA per depth row in order, over
// depth blocks of KC rows, each block's sum added to C in order (the first to beta C); from depth 2 KC up,
// the two depth halves of Sgemm's RunDepthHalves summed apart (one per core) and added at the end. So
// results are Sgemm's bit for bit, whatever the number of cores.
// Not here: alpha other than 1 or beta other than 0 and 1 (Sgemm's edge tiles and full tiles round beta C
// differently there), B transposed, machines without 512-bit vectors.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

internal static unsafe class NarrowTransposedGemm
{
    // A tile's 24 accumulators: 4 vectors by 6 columns, or 3 by 8.
    private const int Lanes = 16, Vectors = 4, Columns = 6, Vectors3 = 3, Columns3 = 8, TileFloats = Vectors * Columns * Lanes;

    /// <summary>Depth rows per pass of a band's tiles (see SumRows).</summary>
    private const int Chunk = 64;

    /// <summary>The widest B this kernel takes; wider ones fill Sgemm's panels well enough.</summary>
    public const int MaxN = 64;

    /// <summary>The most rows of C it takes: a char-LM's input weights (4H = 1,024 rows by 64) ran 2% slower here than in Sgemm.</summary>
    public const int MaxM = 256;

    // The running sums of each depth half, transposed ([N, M padded to 16]): the first half's, then the second's.
    [ThreadStatic] private static AlignedFloats? sums;
    // Copies of A's last rows, zero padded (per calling thread).
    [ThreadStatic] private static float[]? tailRows;

    public static bool Applies(bool transA, bool transB, int m, int n, float alpha, float beta) =>
        transA && !transB && m <= MaxM && n <= MaxN && alpha == 1f && (beta == 0f || beta == 1f) && Sgemm.Wide && Vector512.IsHardwareAccelerated;

    /// <summary>C[m, n] = A^T B + beta C, A [k, m], B [k, n], C [m, n], all row-major and dense.</summary>
    public static void Run(int m, int n, int k, float[] a, int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset)
    {
        int stride = (m + Lanes - 1) / Lanes * Lanes, half = n * stride;
        var buffer = sums is not null && sums.Length >= 2 * half ? sums : sums = new AlignedFloats(2 * half);
        // A tile reads all its band's vectors of a row of A: rows whose reads would pass the end of a are
        // read from copies, zero padded.
        var (fours, threes) = Bands((m + Lanes - 1) / Lanes);
        int reach = (Vectors * fours + Vectors3 * threes) * Lanes, room = a.Length - aOffset - reach;
        int safeRows = room < 0 ? 0 : (int)Math.Min(k, room / m + 1L);
        var copies = tailRows is not null && tailRows.Length >= (k - safeRows) * m + reach ? tailRows : tailRows = new float[(k - safeRows) * m + reach];
        Array.Copy(a, aOffset + safeRows * m, copies, 0, (k - safeRows) * m);
        var rows = new Rows(a, aOffset, copies, safeRows, b, bOffset, m, n, stride, fours, threes);

        bool halves = k >= 2 * Sgemm.KC;
        int split = halves ? k / Sgemm.KC / 2 * Sgemm.KC : k, first = buffer.Start, second = first + half;
        var S = buffer.Array;
        // The first half starts from beta C (transposed), the second from zero.
        if (beta != 0f)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) S[first + j * stride + i] = c[cOffset + i * n + j];
        void Half(int h)
        {
            if (h == 0) SumRows(rows, 0, split, beta != 0f, S, first);
            else SumRows(rows, split, k, false, S, second);
        }
        if (!halves) Half(0);
        else if (Cores.Count > 1) Cores.For(2, Half);
        else
        {
            Half(0);
            Half(1);
        }
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[cOffset + i * n + j] = halves ? S[first + j * stride + i] + S[second + j * stride + i] : S[first + j * stride + i];
    }

    /// <summary>
    /// How many bands of 4 and of 3 vectors cover C's vectors of rows with the fewest computed (the
    /// last band may hang past the rows), the fewest bands among those: 13 vectors are 1 + 3 bands.
    /// </summary>
    private static (int Fours, int Threes) Bands(int vectors)
    {
        var best = ((vectors + Vectors - 1) / Vectors, 0);
        int computed = best.Item1 * Vectors;
        for (int threes = 1; threes < Vectors; threes++)
        {
            int fours = Math.Max(0, (vectors - Vectors3 * threes + Vectors - 1) / Vectors);
            if (Vectors * fours + Vectors3 * threes < computed) (best, computed) = ((fours, threes), Vectors * fours + Vectors3 * threes);
        }
        return best;
    }

    /// <summary>The operands: A [k, m] in place up to row SafeRows, its later rows in Copies; B [k, n]; sums [n, Stride]; C's rows in Fours then Threes bands (Bands).</summary>
    private sealed record Rows(float[] A, int AOffset, float[] Copies, int SafeRows, float[] B, int BOffset, int M, int N, int Stride, int Fours, int Threes);

    /// <summary>
    /// Depth rows [k0, k1) into sums ([n, stride], transposed C), KC rows a block: each block's sums start
    /// from zero and are then added to sums (the first block stores them, unless add). Within a block,
    /// each 64-row band of C runs through the depth Chunk rows at a time for all its column tiles, so that
    /// the chunk of A (64 columns by Chunk rows, 16 KB) and of B stay in L1 while the tiles use them: one
    /// tile through a whole block streamed its 64 KB of A from L2 for every 6 columns. A tile's sums go
    /// on from where the previous chunk left them, so each element is still one chain of FMAs in order.
    /// </summary>
    private static void SumRows(Rows o, int k0, int k1, bool add, float[] sumArray, int sumsAt)
    {
        int m = o.M, n = o.N, stride = o.Stride, safeRows = o.SafeRows, fours = o.Fours, threes = o.Threes;
        float* tile = stackalloc float[(n + Columns - 1) / Columns * TileFloats];
        fixed (float* ap = o.A, tp = o.Copies, bp = o.B, sp = sumArray)
        {
            float* a = ap + o.AOffset, b = bp + o.BOffset, sums = sp + sumsAt;
            for (int pc = k0; pc < k1; pc += Sgemm.KC)
            {
                int end = Math.Min(pc + Sgemm.KC, k1);
                bool blockAdds = add || pc > k0;
                for (int band = 0, i0 = 0; band < fours + threes; band++)
                {
                    bool wide = band < fours;
                    int width = wide ? Vectors : Vectors3, columnsPerTile = wide ? Columns : Columns3, tiles = (n + columnsPerTile - 1) / columnsPerTile;
                    int vectors = Math.Min(width, (m - i0 + Lanes - 1) / Lanes);
                    new Span<float>(tile, tiles * TileFloats).Clear();
                    for (int r0 = pc; r0 < end; r0 += Chunk)
                    {
                        int r1 = Math.Min(r0 + Chunk, end), mid = Math.Clamp(safeRows, r0, r1);
                        for (int q = 0; q < tiles; q++)
                        {
                            int j0 = q * columnsPerTile, columns = Math.Min(columnsPerTile, n - j0);
                            // Rows of A read in place, then those from safeRows on from their copies: one chain of FMAs.
                            if (mid > r0) Tiles(wide, a + (long)r0 * m + i0, m, b + (long)r0 * n + j0, n, mid - r0, columns, tile + q * TileFloats);
                            if (r1 > mid) Tiles(wide, tp + (long)(mid - safeRows) * m + i0, m, b + (long)mid * n + j0, n, r1 - mid, columns, tile + q * TileFloats);
                        }
                    }
                    for (int q = 0; q < tiles; q++)
                    {
                        int j0 = q * columnsPerTile, columns = Math.Min(columnsPerTile, n - j0);
                        for (int j = 0; j < columns; j++)
                            for (int v = 0; v < vectors; v++)
                            {
                                float* s = sums + (j0 + j) * stride + i0 + v * Lanes;
                                var sum = Vector512.Load(tile + q * TileFloats + (v * columnsPerTile + j) * Lanes);
                                (blockAdds ? Vector512.Load(s) + sum : sum).Store(s);
                            }
                    }
                    i0 += width * Lanes;
                }
            }
        }
    }

    private static void Tiles(bool wide, float* a, int lda, float* b, int ldb, int rows, int columns, float* tile)
    {
        if (wide) Tile(a, lda, b, ldb, rows, columns, tile);
        else Tile3(a, lda, b, ldb, rows, columns, tile);
    }

    /// <summary>
    /// tile[v, j] += sum over rows of A[r, 16 v ..] B[r, j], for 4 vectors of A's row and 6 columns of B,
    /// one FMA per row in order. Columns past `columns` repeat the last one (their sums are not used); vectors
    /// past A's row read the next row's values or padding (not used either).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* a, int lda, float* b, int ldb, int rows, int columns, float* tile)
    {
        int j1 = Math.Min(1, columns - 1), j2 = Math.Min(2, columns - 1), j3 = Math.Min(3, columns - 1), j4 = Math.Min(4, columns - 1), j5 = Math.Min(5, columns - 1);
        Vector512<float> c00 = Vector512.Load(tile), c01 = Vector512.Load(tile + 16), c02 = Vector512.Load(tile + 32), c03 = Vector512.Load(tile + 48),
            c04 = Vector512.Load(tile + 64), c05 = Vector512.Load(tile + 80), c10 = Vector512.Load(tile + 96), c11 = Vector512.Load(tile + 112),
            c12 = Vector512.Load(tile + 128), c13 = Vector512.Load(tile + 144), c14 = Vector512.Load(tile + 160), c15 = Vector512.Load(tile + 176),
            c20 = Vector512.Load(tile + 192), c21 = Vector512.Load(tile + 208), c22 = Vector512.Load(tile + 224), c23 = Vector512.Load(tile + 240),
            c24 = Vector512.Load(tile + 256), c25 = Vector512.Load(tile + 272), c30 = Vector512.Load(tile + 288), c31 = Vector512.Load(tile + 304),
            c32 = Vector512.Load(tile + 320), c33 = Vector512.Load(tile + 336), c34 = Vector512.Load(tile + 352), c35 = Vector512.Load(tile + 368);
        for (int r = 0; r < rows; r++, a += lda, b += ldb)
        {
            var v0 = Vector512.Load(a); var v1 = Vector512.Load(a + 16); var v2 = Vector512.Load(a + 32); var v3 = Vector512.Load(a + 48);
            var x = Vector512.Create(b[0]);
            c00 = Vector512.FusedMultiplyAdd(v0, x, c00); c10 = Vector512.FusedMultiplyAdd(v1, x, c10); c20 = Vector512.FusedMultiplyAdd(v2, x, c20); c30 = Vector512.FusedMultiplyAdd(v3, x, c30);
            x = Vector512.Create(b[j1]);
            c01 = Vector512.FusedMultiplyAdd(v0, x, c01); c11 = Vector512.FusedMultiplyAdd(v1, x, c11); c21 = Vector512.FusedMultiplyAdd(v2, x, c21); c31 = Vector512.FusedMultiplyAdd(v3, x, c31);
            x = Vector512.Create(b[j2]);
            c02 = Vector512.FusedMultiplyAdd(v0, x, c02); c12 = Vector512.FusedMultiplyAdd(v1, x, c12); c22 = Vector512.FusedMultiplyAdd(v2, x, c22); c32 = Vector512.FusedMultiplyAdd(v3, x, c32);
            x = Vector512.Create(b[j3]);
            c03 = Vector512.FusedMultiplyAdd(v0, x, c03); c13 = Vector512.FusedMultiplyAdd(v1, x, c13); c23 = Vector512.FusedMultiplyAdd(v2, x, c23); c33 = Vector512.FusedMultiplyAdd(v3, x, c33);
            x = Vector512.Create(b[j4]);
            c04 = Vector512.FusedMultiplyAdd(v0, x, c04); c14 = Vector512.FusedMultiplyAdd(v1, x, c14); c24 = Vector512.FusedMultiplyAdd(v2, x, c24); c34 = Vector512.FusedMultiplyAdd(v3, x, c34);
            x = Vector512.Create(b[j5]);
            c05 = Vector512.FusedMultiplyAdd(v0, x, c05); c15 = Vector512.FusedMultiplyAdd(v1, x, c15); c25 = Vector512.FusedMultiplyAdd(v2, x, c25); c35 = Vector512.FusedMultiplyAdd(v3, x, c35);
        }
        c00.Store(tile); c01.Store(tile + 16); c02.Store(tile + 32); c03.Store(tile + 48); c04.Store(tile + 64); c05.Store(tile + 80);
        c10.Store(tile + 96); c11.Store(tile + 112); c12.Store(tile + 128); c13.Store(tile + 144); c14.Store(tile + 160); c15.Store(tile + 176);
        c20.Store(tile + 192); c21.Store(tile + 208); c22.Store(tile + 224); c23.Store(tile + 240); c24.Store(tile + 256); c25.Store(tile + 272);
        c30.Store(tile + 288); c31.Store(tile + 304); c32.Store(tile + 320); c33.Store(tile + 336); c34.Store(tile + 352); c35.Store(tile + 368);
    }

    /// <summary>Tile for 3 vectors of A's row by 8 columns of B (tile[v, j] at (8 v + j) 16 floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile3(float* a, int lda, float* b, int ldb, int rows, int columns, float* tile)
    {
        int j1 = Math.Min(1, columns - 1), j2 = Math.Min(2, columns - 1), j3 = Math.Min(3, columns - 1), j4 = Math.Min(4, columns - 1),
            j5 = Math.Min(5, columns - 1), j6 = Math.Min(6, columns - 1), j7 = Math.Min(7, columns - 1);
        Vector512<float> c00 = Vector512.Load(tile), c01 = Vector512.Load(tile + 16), c02 = Vector512.Load(tile + 32), c03 = Vector512.Load(tile + 48),
            c04 = Vector512.Load(tile + 64), c05 = Vector512.Load(tile + 80), c06 = Vector512.Load(tile + 96), c07 = Vector512.Load(tile + 112),
            c10 = Vector512.Load(tile + 128), c11 = Vector512.Load(tile + 144), c12 = Vector512.Load(tile + 160), c13 = Vector512.Load(tile + 176),
            c14 = Vector512.Load(tile + 192), c15 = Vector512.Load(tile + 208), c16 = Vector512.Load(tile + 224), c17 = Vector512.Load(tile + 240),
            c20 = Vector512.Load(tile + 256), c21 = Vector512.Load(tile + 272), c22 = Vector512.Load(tile + 288), c23 = Vector512.Load(tile + 304),
            c24 = Vector512.Load(tile + 320), c25 = Vector512.Load(tile + 336), c26 = Vector512.Load(tile + 352), c27 = Vector512.Load(tile + 368);
        for (int r = 0; r < rows; r++, a += lda, b += ldb)
        {
            var v0 = Vector512.Load(a); var v1 = Vector512.Load(a + 16); var v2 = Vector512.Load(a + 32);
            var x = Vector512.Create(b[0]);
            c00 = Vector512.FusedMultiplyAdd(v0, x, c00); c10 = Vector512.FusedMultiplyAdd(v1, x, c10); c20 = Vector512.FusedMultiplyAdd(v2, x, c20);
            x = Vector512.Create(b[j1]);
            c01 = Vector512.FusedMultiplyAdd(v0, x, c01); c11 = Vector512.FusedMultiplyAdd(v1, x, c11); c21 = Vector512.FusedMultiplyAdd(v2, x, c21);
            x = Vector512.Create(b[j2]);
            c02 = Vector512.FusedMultiplyAdd(v0, x, c02); c12 = Vector512.FusedMultiplyAdd(v1, x, c12); c22 = Vector512.FusedMultiplyAdd(v2, x, c22);
            x = Vector512.Create(b[j3]);
            c03 = Vector512.FusedMultiplyAdd(v0, x, c03); c13 = Vector512.FusedMultiplyAdd(v1, x, c13); c23 = Vector512.FusedMultiplyAdd(v2, x, c23);
            x = Vector512.Create(b[j4]);
            c04 = Vector512.FusedMultiplyAdd(v0, x, c04); c14 = Vector512.FusedMultiplyAdd(v1, x, c14); c24 = Vector512.FusedMultiplyAdd(v2, x, c24);
            x = Vector512.Create(b[j5]);
            c05 = Vector512.FusedMultiplyAdd(v0, x, c05); c15 = Vector512.FusedMultiplyAdd(v1, x, c15); c25 = Vector512.FusedMultiplyAdd(v2, x, c25);
            x = Vector512.Create(b[j6]);
            c06 = Vector512.FusedMultiplyAdd(v0, x, c06); c16 = Vector512.FusedMultiplyAdd(v1, x, c16); c26 = Vector512.FusedMultiplyAdd(v2, x, c26);
            x = Vector512.Create(b[j7]);
            c07 = Vector512.FusedMultiplyAdd(v0, x, c07); c17 = Vector512.FusedMultiplyAdd(v1, x, c17); c27 = Vector512.FusedMultiplyAdd(v2, x, c27);
        }
        c00.Store(tile); c01.Store(tile + 16); c02.Store(tile + 32); c03.Store(tile + 48); c04.Store(tile + 64); c05.Store(tile + 80); c06.Store(tile + 96); c07.Store(tile + 112);
        c10.Store(tile + 128); c11.Store(tile + 144); c12.Store(tile + 160); c13.Store(tile + 176); c14.Store(tile + 192); c15.Store(tile + 208); c16.Store(tile + 224); c17.Store(tile + 240);
        c20.Store(tile + 256); c21.Store(tile + 272); c22.Store(tile + 288); c23.Store(tile + 304); c24.Store(tile + 320); c25.Store(tile + 336); c26.Store(tile + 352); c27.Store(tile + 368);
    }
}
