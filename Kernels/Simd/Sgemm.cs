// Sgemm: C = alpha * op(A) op(B) + beta * C, cache-blocked in the BLIS manner. B is packed into
// KC x NR column panels (kept in L1 by the micro-kernel), A is taken MC rows by KC depth rows at a time
// (kept in L2), and a register-blocked micro-kernel runs FMAs: 8 x 32 with Vector512 where AVX-512 exists
// (16 accumulators; full-width 512-bit FMA units double the throughput of 256-bit code), else 6 x 16
// with Vector256 (12 accumulators).
// B may be packed once and reused (PackedB): the recurrent weights of a time loop are multiplied by
// a new small left operand at every step, and packing them each time would cost more than the product.
// A is never packed ahead: the micro-kernel reads it in place through one pointer per row and a depth
// stride, which saves a pass over A at every call. A transposed A (the weight gradients dG^T X) is read
// in place for an item's first panel only, each tile copied into a packed buffer as it is read; the
// item's other panels read that copy.
// Work is split over the cores (Cores) by (row block, column range) items, one launch per depth block,
// or one per call when B is prepared or A transposed; every element of C is computed by one item with
// the same summation order whatever the scheduling, so results are bit-identical. A deep transposed A
// is the exception: two depth halves, each summed by its own items, then added (RunDepthHalves); the
// split is always in two, so the sums still do not depend on the core count.
// Not here: the scalar fallback for machines without FMA is the reference GEMM.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels;

/// <summary>
/// B packed for the micro-kernel: depth blocks of KC rows, each holding ceil(N / NR) panels of KC x NR
/// values (zero padded). The block starting at depth row pc starts at Data[Start + pc * PaddedN], on a
/// 64-byte boundary.
/// </summary>
public sealed class PackedB
{
    private AlignedFloats buffer = new(0);
    public float[] Data => buffer.Array;
    public int Start => buffer.Start;
    public int K { get; private set; }
    public int N { get; private set; }
    public int PaddedN => (N + Sgemm.NR - 1) / Sgemm.NR * Sgemm.NR;

    /// <summary>Where row p of column panel q starts in Data (p inside the depth block that holds it).</summary>
    public int PanelRow(int p, int q)
    {
        int pc = p / Sgemm.KC * Sgemm.KC;
        return Start + pc * PaddedN + q * Sgemm.NR * Math.Min(Sgemm.KC, K - pc) + (p - pc) * Sgemm.NR;
    }

    public void Pack(bool transB, float[] b, int offset, int k, int n)
    {
        K = k;
        N = n;
        if (buffer.Length < k * PaddedN) buffer = new AlignedFloats(k * PaddedN);
        int panels = PaddedN / Sgemm.NR;
        // Each core packs a range of panels (recurrent weights are re-packed at every pass).
        int parts = (long)k * n >= Sgemm.ParallelThreshold ? Cores.Count : 1;
        var data = Data;
        int start = Start;
        Cores.For(parts, part =>
        {
            for (int pc = 0; pc < k; pc += Sgemm.KC)
                Sgemm.PackB(transB, b, offset, n, k, pc, Math.Min(Sgemm.KC, k - pc), 0, n, data, start + pc * PaddedN, part * panels / parts, (part + 1) * panels / parts);
        });
    }
}

public static unsafe class Sgemm
{
    /// <summary>Whether the 512-bit micro-kernel is used; it fixes the tile shape MR x NR.</summary>
    public static readonly bool Wide = Avx512F.IsSupported;
    public static readonly int MR = Wide ? 8 : 6, NR = Wide ? 32 : 16;
    public const int KC = 256;
    private const int MC = 96, NC = 2048;

    /// <summary>Below this many multiply-adds one thread does it all: a parallel launch would cost more.</summary>
    internal const long ParallelThreshold = 1L << 18;

    public static bool Supported => Fma.IsSupported && Avx.IsSupported;

    // Packing buffers: the copy of a transposed A per thread (MC x KC: MC = 96 is a multiple of either
    // MR), B per calling thread (the items only read it).
    [ThreadStatic] private static AlignedFloats? transposedCopy;
    [ThreadStatic] private static AlignedFloats? packedBOfCaller;
    // The second depth half's partial product of RunDepthHalves, per calling thread.
    [ThreadStatic] private static AlignedFloats? depthPartial;

    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset)
    {
        if (Trivial(m, n, k, alpha, beta, c, cOffset)) return;
        if (NarrowTransposedGemm.Applies(transA, transB, m, n, alpha, beta))
        {
            NarrowTransposedGemm.Run(m, n, k, a, aOffset, b, bOffset, beta, c, cOffset);
            return;
        }
        bool parallel = Parallel(m, n, k);
        int parts = parallel ? Cores.Count : 1;
        var packed = packedBOfCaller ??= new AlignedFloats(KC * NC);
        var packedB = packed.Array;
        int start = packed.Start;
        if (transA && k >= 2 * KC && n <= NC / 2)
        {
            RunDepthHalves(parts, new(a, aOffset, transB, b, bOffset, m, n, k, alpha), beta, packedB, start, c, cOffset);
            return;
        }
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            if (parallel && transA)
            {
                // A transposed always splits the columns over the cores (as Multiply would), so core p
                // only ever reads the panels it packed: it packs and multiplies them through every depth
                // block in one launch, not two launches (pack, then multiply) per depth block, which
                // saves a hand-off to the cores per block, most of the cost of a small product.
                var product = new TransposedProduct(a, aOffset, transB, b, bOffset, m, n, k, alpha);
                int jcPart = jc;
                Cores.For(parts, part => RunColumnPart(product, part, parts, 0, k, beta, packedB, start, jcPart, nc, c, cOffset));
                continue;
            }
            int panels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                Cores.For(parts, part => PackB(transB, b, bOffset, n, k, pc, kc, jc, nc, packedB, start, part * panels / parts, (part + 1) * panels / parts));
                Multiply(transA, a, aOffset, m, k, alpha, pc == 0 ? beta : 1f, packedB, start, 0, pc, pc + kc, jc, nc, c, cOffset, n, parallel);
            }
        }
    }

    /// <summary>The operands of alpha A^T op(B), A stored [K, M], as the per-core parts of Run see them.</summary>
    private readonly record struct TransposedProduct(float[] A, int AOffset, bool TransB, float[] B, int BOffset, int M, int N, int K, float Alpha);

    /// <summary>
    /// A^T op(B) with a deep A (the weight gradients dG^T X, over T * B rows of dG), as two products over
    /// the two halves of the depth, added at the end: C = alpha A_0^T B_0 + beta C, then C += alpha A_1^T B_1,
    /// the second product computed into a scratch. Split by columns instead, every core reads all of A,
    /// across its rows (4-8 KB between depth rows), which is what holds these products back; split by
    /// depth, each core reads half of A and multiplies it by all of the columns. The split is always in
    /// two, whatever the number of cores (more cores also split the columns of each half), so the sums do
    /// not depend on the machine; the packed buffer holds the two halves' panels side by side, hence n at
    /// most NC / 2.
    /// </summary>
    private static void RunDepthHalves(int parts, TransposedProduct product, float beta, float[] packedB, int start, float[] c, int cOffset)
    {
        int m = product.M, n = product.N, k = product.K, split = k / KC / 2 * KC;
        if (depthPartial is null || depthPartial.Length < m * n) depthPartial = new AlignedFloats(m * n);
        var partial = depthPartial;
        int columnParts = Math.Max(1, parts / 2);
        void Item(int item)
        {
            int half = item / columnParts, part = item % columnParts;
            if (half == 0) RunColumnPart(product, part, columnParts, 0, split, beta, packedB, start, 0, n, c, cOffset);
            else RunColumnPart(product, part, columnParts, split, k, 0f, packedB, start + KC * NC / 2, 0, n, partial.Array, partial.Start);
        }
        void Add(int part)
        {
            int from = part * m / parts * n, to = (part + 1) * m / parts * n;
            var sum = c.AsSpan(cOffset + from, to - from);
            TensorPrimitives.Add(sum, partial.Array.AsSpan(partial.Start + from, to - from), sum);
        }
        // Below the parallel threshold (parts = 1) both halves run here, in the same order.
        if (parts > 1)
        {
            Cores.For(2 * columnParts, Item);
            Cores.For(parts, Add);
        }
        else
        {
            Item(0);
            Item(1);
            Add(0);
        }
    }

    /// <summary>
    /// Column part `part` of `parts` of A^T op(B) over the depth rows [k0, k1), for the columns [jc, jc + nc),
    /// on one core: its panels of each depth block packed at packedB[start..], then multiplied by every row
    /// block into C (ldc n). The panels and the order of the sums are those of the split launches, so
    /// results are the same bit for bit.
    /// </summary>
    private static void RunColumnPart(TransposedProduct p, int part, int parts, int k0, int k1, float beta, float[] packedB, int start, int jc, int nc, float[] c, int cOffset)
    {
        int panels = (nc + NR - 1) / NR, first = part * panels / parts, end = (part + 1) * panels / parts;
        if (first == end) return;
        int jcPart = jc + first * NR, ncPart = Math.Min(nc - first * NR, (end - first) * NR);
        // The parts run through the depth blocks at their own pace, so each keeps its panels where a full
        // depth block puts them: a short last block must not reach into the panels of another part.
        int region = start + first * NR * KC;
        for (int pc = k0; pc < k1; pc += KC)
        {
            int kc = Math.Min(KC, k1 - pc);
            PackB(p.TransB, p.B, p.BOffset, p.N, p.K, pc, kc, jc, nc, packedB, region - first * NR * kc, first, end);
            Multiply(true, p.A, p.AOffset, p.M, p.K, p.Alpha, pc == k0 ? beta : 1f, packedB, region, 0, pc, pc + kc, jcPart, ncPart, c, cOffset, p.N, parallel: false);
        }
    }

    /// <summary>As Run, with B packed beforehand: one launch covers every depth block.</summary>
    public static void Run(bool transA, int m, float alpha, float[] a, int aOffset, PackedB b, float beta, float[] c, int cOffset)
    {
        int n = b.N, k = b.K;
        if (Trivial(m, n, k, alpha, beta, c, cOffset)) return;
        if (m == 1 && Wide)
        {
            SingleRow(a, aOffset, b, alpha, beta, c, cOffset);
            return;
        }
        Multiply(transA, a, aOffset, m, k, alpha, beta, b.Data, b.Start, b.PaddedN, 0, k, 0, n, c, cOffset, n, Parallel(m, n, k));
    }

    private static bool Parallel(int m, int n, int k) => (long)m * n * k >= ParallelThreshold && Cores.Count > 1;

    /// <summary>Handles the products with nothing to sum (k = 0 or alpha = 0): C = beta C.</summary>
    private static bool Trivial(int m, int n, int k, float alpha, float beta, float[] c, int offset)
    {
        if (m == 0 || n == 0) return true;
        if (k != 0 && alpha != 0f) return false;
        var span = c.AsSpan(offset, m * n);
        if (beta == 0f) span.Clear();
        else if (beta != 1f) foreach (ref float v in span) v *= beta;
        return true;
    }

    /// <summary>
    /// Depth rows [pcStart, pcEnd) of op(A) times the packed columns [jc, jc + nc) of B, into C. The
    /// packed depth block starting at row pc begins at (pc - pcStart) * bBlockStride in packedB. Items
    /// are (row block, column range) pairs; each runs its tiles through the depth blocks in order.
    /// </summary>
    private static void Multiply(bool transA, float[] a, int aOffset, int m, int k, float alpha, float beta,
        float[] packedB, int bStart, int bBlockStride, int pcStart, int pcEnd, int jc, int nc, float[] c, int cOffset, int ldc, bool parallel)
    {
        int panels = (nc + NR - 1) / NR;
        int rowBlocks = (m + MC - 1) / MC;
        // Split the columns over the cores when there are few row blocks, so every core has work, and
        // whenever each core gets 4 panels or more, or A is transposed (only with B prepared now: Run
        // gives each core its part of the columns itself, RunColumnPart): part p of the columns then runs
        // on core p, which packed those very panels (PackB and PackedB.Pack split them the same way),
        // and normally reads no panel that the other core wrote. Split by rows, every core would read
        // all of packed B, half of it from the other core's cache. With 1 or 2 panels a core and A not
        // transposed, every core re-reading all of A costs more than that, so those keep the row split.
        int columnParts = parallel && (rowBlocks < 2 * Cores.Count || panels >= 4 * Cores.Count || transA) ? Cores.Count : 1;
        void Item(int item)
        {
            int ic = item / columnParts * MC, mc = Math.Min(MC, m - ic);
            int part = item % columnParts;
            int firstPanel = part * panels / columnParts, endPanel = (part + 1) * panels / columnParts;
            for (int pc = pcStart; pc < pcEnd; pc += KC)
            {
                int kc = Math.Min(KC, pcEnd - pc);
                int bBase = bStart + (pc - pcStart) * bBlockStride;
                float blockBeta = pc == pcStart ? beta : 1f;
                int cBase = cOffset + ic * ldc + jc;
                if (transA)
                {
                    // Depth row p of a transposed A is a contiguous MR-wide run per tile, but the runs are m
                    // floats apart: for m a multiple of 1024 every run of a tile falls in one L1 set and
                    // another page, and a tile read again from there for every panel costs 15% of the
                    // product. So the first panel reads A in place and copies it as it goes (one load and
                    // store of MR floats per depth row, hidden under the FMAs), and the other panels read the
                    // copy. Packing A ahead instead would be one more pass over it, made by both cores
                    // when the columns are split.
                    int secondPanel = Math.Min(firstPanel + 1, endPanel);
                    var copy = endPanel > secondPanel ? (transposedCopy ??= new AlignedFloats(MC * KC)) : null;
                    Compute(a, aOffset + pc * m + ic, 1, 1, m, packedB, bBase, mc, nc, kc, firstPanel, secondPanel, alpha, blockBeta, c, cBase, ldc, copy);
                    if (copy != null)
                        Compute(copy.Array, copy.Start, kc, 1, MR, packedB, bBase, mc, nc, kc, secondPanel, endPanel, alpha, blockBeta, c, cBase, ldc);
                }
                else Compute(a, aOffset + ic * k + pc, k, k, 1, packedB, bBase, mc, nc, kc, firstPanel, endPanel, alpha, blockBeta, c, cBase, ldc);
            }
        }
        int items = rowBlocks * columnParts;
        if (parallel) Cores.For(items, Item);
        else for (int i = 0; i < items; i++) Item(i);
    }

    /// <summary>B[pc.., jc..] into panels of NR columns at dst[dstBase..]: panel q holds, for each p, NR consecutive values (zero padded).</summary>
    internal static void PackB(bool transB, float[] b, int offset, int n, int k, int pc, int kc, int jc, int nc, float[] dst, int dstBase, int firstPanel, int endPanel)
    {
        for (int q = firstPanel; q < endPanel; q++)
        {
            int j0 = jc + q * NR, width = Math.Min(NR, jc + nc - j0);
            var panel = dst.AsSpan(dstBase + q * NR * kc, NR * kc);
            if (!transB && width == NR)
            {
                fixed (float* source = b, target = panel)
                    for (int p = 0; p < kc; p++) CopyRun(source + offset + (long)(pc + p) * n + j0, target + p * NR, NR);
                continue;
            }
            if (width < NR) panel.Clear();
            if (transB)
            {
                // Column j0 + col of op(B) is row j0 + col of b: 8 x 8 blocks transposed in registers,
                // the ragged rest element by element.
                int blocked = width == NR ? kc / 8 * 8 : 0;
                fixed (float* source = b, target = panel)
                    for (int p0 = 0; p0 < blocked; p0 += 8)
                        for (int col = 0; col < NR; col += 8)
                            Transpose8x8(source + offset + (long)(j0 + col) * k + pc + p0, k, target + p0 * NR + col, NR);
                for (int col = 0; col < width; col++)
                {
                    var row = b.AsSpan(offset + (j0 + col) * k + pc, kc);
                    for (int p = blocked; p < kc; p++) panel[p * NR + col] = row[p];
                }
            }
            else
                for (int col = 0; col < width; col++)
                    for (int p = 0; p < kc; p++) panel[p * NR + col] = b[offset + (pc + p) * n + j0 + col];
        }
    }

    /// <summary>
    /// Copies one packing run (NR floats) with 256-bit moves: a packing loop copies thousands of
    /// these, and at 32 to 128 bytes Span.CopyTo's call costs more than the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* source, float* target, int count)
    {
        int i = 0;
        for (; i + 8 <= count; i += 8) Avx.Store(target + i, Avx.LoadVector256(source + i));
        for (; i < count; i++) target[i] = source[i];
    }

    /// <summary>dst[c * dstStride + r] = src[r * srcStride + c] for an 8 x 8 block (the classic AVX unpack, shuffle, permute sequence).</summary>
    private static void Transpose8x8(float* src, int srcStride, float* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride); var r3 = Avx.LoadVector256(src + 3 * srcStride);
        var r4 = Avx.LoadVector256(src + 4 * srcStride); var r5 = Avx.LoadVector256(src + 5 * srcStride);
        var r6 = Avx.LoadVector256(src + 6 * srcStride); var r7 = Avx.LoadVector256(src + 7 * srcStride);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1); var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5); var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE); var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE); var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>
    /// The tiles of mc rows of A against panels [firstPanel, endPanel) of one packed depth block. Row
    /// r0 + r, depth p of A is a[aBase + r0 * tileStride + r * rowStride + p * depthStride]: (kc, 1, MR)
    /// for a copy in panels, (k, k, 1) for rows read in place, (1, 1, m) for a transposed A in place.
    /// With copy, A must be transposed and in place: each tile is also copied into the buffer as
    /// panels of MR rows (row r0 + r, depth p at copy.Start + r0 * kc + p * MR).
    /// </summary>
    private static void Compute(float[] a, int aBase, int tileStride, int rowStride, int depthStride, float[] pb, int bBase, int mc, int nc, int kc,
        int firstPanel, int endPanel, float alpha, float beta, float[] c, int cOffset, int ldc, AlignedFloats? copy = null)
    {
        float* tile = stackalloc float[8 * 32];
        fixed (float* A = a, B = pb, C = c, copyArray = copy?.Array)
        {
            for (int q = firstPanel; q < endPanel; q++)
            {
                int j = q * NR, width = Math.Min(NR, nc - j);
                float* panel = B + bBase + q * NR * kc;
                for (int r0 = 0; r0 < mc; r0 += MR)
                {
                    int height = Math.Min(MR, mc - r0);
                    float* aTile = A + aBase + (long)r0 * tileStride;
                    float* cTile = C + cOffset + r0 * ldc + j;
                    // The tile's C rows are read only after the depth loop; ask for them now, so that a
                    // C that is not in cache (a recurrent step's gates, written long before by the
                    // input projection) arrives while the tile is computed.
                    if (beta != 0f)
                        for (int r = 0; r < height; r++)
                        {
                            Sse.Prefetch0(cTile + r * ldc);
                            Sse.Prefetch0(cTile + r * ldc + width - 1);
                        }
                    float* copyTo = copy == null ? null : copyArray + copy.Start + r0 * kc;
                    if (copyTo != null && height < MR)
                    {
                        // A ragged last tile is copied here: the kernel's full-width copy would read past A.
                        for (int p = 0; p < kc; p++)
                            for (int r = 0; r < height; r++) copyTo[p * MR + r] = aTile[p * depthStride + r];
                        copyTo = null;
                    }
                    if (height == MR && width == NR) Kernel(kc, aTile, rowStride, depthStride, MR, panel, cTile, ldc, alpha, beta, copyTo);
                    else
                    {
                        // Edge tile: compute into a scratch tile with beta 0, then merge the valid part.
                        Kernel(kc, aTile, rowStride, depthStride, height, panel, tile, NR, alpha, 0f, copyTo);
                        MergeEdge(tile, height, width, beta, cTile, ldc);
                    }
                }
            }
        }
    }

    /// <summary>
    /// An edge tile's valid part into C: C = tile + beta C (tile when beta is 0), 8 columns at a time and
    /// the ragged end element by element. Element by element throughout, it cost more than the tile's
    /// FMAs in the thin products of small models (50 or 6 columns, depth 6).
    /// </summary>
    private static void MergeEdge(float* tile, int height, int width, float beta, float* c, int ldc)
    {
        int full = width / 8 * 8;
        var vb = Vector256.Create(beta);
        for (int r = 0; r < height; r++)
        {
            float* src = tile + r * NR, dst = c + r * ldc;
            if (beta == 0f)
            {
                for (int col = 0; col < full; col += 8) Vector256.Load(src + col).Store(dst + col);
                for (int col = full; col < width; col++) dst[col] = src[col];
            }
            else
            {
                for (int col = 0; col < full; col += 8) (Vector256.Load(src + col) + vb * Vector256.Load(dst + col)).Store(dst + col);
                for (int col = full; col < width; col++) dst[col] = src[col] + beta * dst[col];
            }
        }
    }

    /// <summary>
    /// One row times a packed B (batch 1 recurrent steps): a vector-matrix product that streams each
    /// panel once, with four independent accumulator pairs to hide the FMA latency. op(A) of a single
    /// row is contiguous whether or not A is transposed, so no packing of A is needed.
    /// </summary>
    private static void SingleRow(float[] a, int aOffset, PackedB b, float alpha, float beta, float[] c, int cOffset)
    {
        int panels = b.PaddedN / NR;
        // Each core streams its share of the packed weights (the same share at every call, so that it stays
        // in that core's L2); below a few panels the split costs more than it saves.
        int parts = (long)b.K * b.N >= ParallelThreshold ? Cores.Count : 1;
        Cores.For(parts, part => SingleRowPanels(a, aOffset, b, alpha, beta, c, cOffset, part * panels / parts, (part + 1) * panels / parts));
    }

    /// <summary>SingleRow for the column panels [firstPanel, endPanel) only.</summary>
    internal static void SingleRowPanels(float[] a, int aOffset, PackedB b, float alpha, float beta, float[] c, int cOffset, int firstPanel, int endPanel)
    {
        int n = b.N, k = b.K;
        float* tile = stackalloc float[32];
        fixed (float* A = a, B = b.Data, C = c)
        {
            for (int q = firstPanel; q < endPanel; q++)
            {
                Vector512<float> lo = default, hi = default;
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    float* panel = B + b.PanelRow(pc, q);
                    float* row = A + aOffset + pc;
                    Vector512<float> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default, l3 = default, h3 = default;
                    int p = 0;
                    for (; p + 4 <= kc; p += 4, panel += 4 * NR)
                    {
                        var a0 = Vector512.Create(row[p]); l0 = Vector512.FusedMultiplyAdd(a0, Vector512.Load(panel), l0); h0 = Vector512.FusedMultiplyAdd(a0, Vector512.Load(panel + 16), h0);
                        var a1 = Vector512.Create(row[p + 1]); l1 = Vector512.FusedMultiplyAdd(a1, Vector512.Load(panel + 32), l1); h1 = Vector512.FusedMultiplyAdd(a1, Vector512.Load(panel + 48), h1);
                        var a2 = Vector512.Create(row[p + 2]); l2 = Vector512.FusedMultiplyAdd(a2, Vector512.Load(panel + 64), l2); h2 = Vector512.FusedMultiplyAdd(a2, Vector512.Load(panel + 80), h2);
                        var a3 = Vector512.Create(row[p + 3]); l3 = Vector512.FusedMultiplyAdd(a3, Vector512.Load(panel + 96), l3); h3 = Vector512.FusedMultiplyAdd(a3, Vector512.Load(panel + 112), h3);
                    }
                    for (; p < kc; p++, panel += NR)
                    {
                        var ap = Vector512.Create(row[p]);
                        l0 = Vector512.FusedMultiplyAdd(ap, Vector512.Load(panel), l0);
                        h0 = Vector512.FusedMultiplyAdd(ap, Vector512.Load(panel + 16), h0);
                    }
                    lo += (l0 + l1) + (l2 + l3);
                    hi += (h0 + h1) + (h2 + h3);
                }
                int width = Math.Min(NR, n - q * NR);
                float* dst = C + cOffset + q * NR;
                if (width == NR) Store(dst, alpha, beta, lo, hi);
                else
                {
                    Store(tile, alpha, 0f, lo, hi);
                    for (int col = 0; col < width; col++) dst[col] = beta == 0f ? tile[col] : tile[col] + beta * dst[col];
                }
            }
        }
    }

    /// <summary>
    /// c[0, N) = sum over the row ranges [start, start + count) of a[r] B[r, :], B packed: one row times
    /// a band of B's rows, the batch-1 product split by depth (each part sums its own rows, and the
    /// parts are added afterwards). Each range must lie inside one depth block, count must be a
    /// multiple of 4 and N of NR.
    /// </summary>
    internal static void RowRangesProduct(float* a, PackedB b, ReadOnlySpan<int> starts, int count, float* c)
    {
        int panels = b.PaddedN / NR;
        fixed (float* B0 = b.Data)
            for (int q = 0; q < panels; q++)
            {
                Vector512<float> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default, l3 = default, h3 = default;
                foreach (int start in starts)
                {
                    float* panel = B0 + b.PanelRow(start, q), row = a + start;
                    for (int p = 0; p < count; p += 4, panel += 4 * NR)
                    {
                        var a0 = Vector512.Create(row[p]); l0 = Vector512.FusedMultiplyAdd(a0, Vector512.Load(panel), l0); h0 = Vector512.FusedMultiplyAdd(a0, Vector512.Load(panel + 16), h0);
                        var a1 = Vector512.Create(row[p + 1]); l1 = Vector512.FusedMultiplyAdd(a1, Vector512.Load(panel + 32), l1); h1 = Vector512.FusedMultiplyAdd(a1, Vector512.Load(panel + 48), h1);
                        var a2 = Vector512.Create(row[p + 2]); l2 = Vector512.FusedMultiplyAdd(a2, Vector512.Load(panel + 64), l2); h2 = Vector512.FusedMultiplyAdd(a2, Vector512.Load(panel + 80), h2);
                        var a3 = Vector512.Create(row[p + 3]); l3 = Vector512.FusedMultiplyAdd(a3, Vector512.Load(panel + 96), l3); h3 = Vector512.FusedMultiplyAdd(a3, Vector512.Load(panel + 112), h3);
                    }
                }
                ((l0 + l1) + (l2 + l3)).Store(c + q * NR);
                ((h0 + h1) + (h2 + h3)).Store(c + q * NR + 16);
            }
    }

    /// <summary>
    /// One micro-kernel call. With copyTo (a transposed A in place, all MR rows valid), the MR values of
    /// each depth row are also stored at copyTo + p * MR.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel(int kc, float* a, nint rowStride, nint depthStride, int rows, float* b, float* c, int ldc, float alpha, float beta, float* copyTo)
    {
        if (Wide) Kernel8x32(kc, a, rowStride, depthStride, rows, b, c, ldc, alpha, beta, copyTo);
        else Kernel6x16(kc, a, rowStride, depthStride, rows, b, c, ldc, alpha, beta, copyTo);
    }

    /// <summary>Row r of a tile: rows past the valid ones repeat the last valid row (their results are discarded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* a, nint rowStride, int rows, int r) => a + Math.Min(r, rows - 1) * rowStride;

    /// <summary>
    /// The 8 x 32 micro-kernel: C[8, 32] = alpha * sum_p A[:, p] B[p, :] + beta * C, where A[r, p] is
    /// a[r * rowStride + p * depthStride] for the first rows rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, float* a, nint rowStride, nint depthStride, int rows, float* b, float* c, int ldc, float alpha, float beta, float* copyTo)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        float* r0 = a, r1 = Row(a, rowStride, rows, 1), r2 = Row(a, rowStride, rows, 2), r3 = Row(a, rowStride, rows, 3),
            r4 = Row(a, rowStride, rows, 4), r5 = Row(a, rowStride, rows, 5), r6 = Row(a, rowStride, rows, 6), r7 = Row(a, rowStride, rows, 7);
        nint end = kc * depthStride;
        for (nint p = 0; p < end; p += depthStride)
        {
            if (copyTo != null)
            {
                Avx.Store(copyTo, Avx.LoadVector256(r0 + p));
                copyTo += 8;
            }
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(r0[p]); c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(r1[p]); c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(r2[p]); c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(r3[p]); c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(r4[p]); c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(r5[p]); c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(r6[p]); c60 = Vector512.FusedMultiplyAdd(a6, b0, c60); c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(r7[p]); c70 = Vector512.FusedMultiplyAdd(a7, b0, c70); c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            b += 32;
        }
        Store(c, alpha, beta, c00, c01);
        Store(c + ldc, alpha, beta, c10, c11);
        Store(c + 2 * ldc, alpha, beta, c20, c21);
        Store(c + 3 * ldc, alpha, beta, c30, c31);
        Store(c + 4 * ldc, alpha, beta, c40, c41);
        Store(c + 5 * ldc, alpha, beta, c50, c51);
        Store(c + 6 * ldc, alpha, beta, c60, c61);
        Store(c + 7 * ldc, alpha, beta, c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float alpha, float beta, Vector512<float> lo, Vector512<float> hi)
    {
        var va = Vector512.Create(alpha);
        lo *= va;
        hi *= va;
        if (beta != 0f)
        {
            var vb = Vector512.Create(beta);
            lo = Vector512.FusedMultiplyAdd(vb, Vector512.Load(c), lo);
            hi = Vector512.FusedMultiplyAdd(vb, Vector512.Load(c + 16), hi);
        }
        lo.Store(c);
        hi.Store(c + 16);
    }

    /// <summary>The 6 x 16 micro-kernel: C[6, 16] = alpha * sum_p A[:, p] B[p, :] + beta * C, A addressed as in Kernel8x32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, nint rowStride, nint depthStride, int rows, float* b, float* c, int ldc, float alpha, float beta, float* copyTo)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* r0 = a, r1 = Row(a, rowStride, rows, 1), r2 = Row(a, rowStride, rows, 2), r3 = Row(a, rowStride, rows, 3),
            r4 = Row(a, rowStride, rows, 4), r5 = Row(a, rowStride, rows, 5);
        nint end = kc * depthStride;
        for (nint p = 0; p < end; p += depthStride)
        {
            if (copyTo != null)
            {
                Sse.Store(copyTo, Sse.LoadVector128(r0 + p));
                *(double*)(copyTo + 4) = *(double*)(r0 + p + 4);
                copyTo += 6;
            }
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var a0 = Vector256.Create(r0[p]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(r1[p]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(r2[p]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(r3[p]); c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(r4[p]); c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(r5[p]); c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
            b += 16;
        }
        Store(c, alpha, beta, c00, c01);
        Store(c + ldc, alpha, beta, c10, c11);
        Store(c + 2 * ldc, alpha, beta, c20, c21);
        Store(c + 3 * ldc, alpha, beta, c30, c31);
        Store(c + 4 * ldc, alpha, beta, c40, c41);
        Store(c + 5 * ldc, alpha, beta, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float alpha, float beta, Vector256<float> lo, Vector256<float> hi)
    {
        var va = Vector256.Create(alpha);
        lo *= va;
        hi *= va;
        if (beta != 0f)
        {
            var vb = Vector256.Create(beta);
            lo = Fma.MultiplyAdd(vb, Avx.LoadVector256(c), lo);
            hi = Fma.MultiplyAdd(vb, Avx.LoadVector256(c + 8), hi);
        }
        Avx.Store(c, lo);
        Avx.Store(c + 8, hi);
    }
}
