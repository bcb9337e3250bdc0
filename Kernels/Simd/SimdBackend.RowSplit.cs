// The RNN, GRU and LSTM time loops from batch 2 up, split by batch rows: the rows of a batch do not
// meet inside a time loop, so each core runs the whole loop, every step forward or backward, on its own
// rows, once per pass, with no hand-off between steps. A step on a part is the step loop's step on those
// rows: the recurrent product (RowsGemm, single-threaded, with W_hh in the core's cache), then the
// activation or gate kernel, which works unit by unit. Every element is thus summed in the order the
// step loop sums it (the GEMM's: through the depth, one FMA per term), so the results equal the step
// loop's bit for bit, whatever the number of parts or cores. The norms of dL/dh (over all rows) are
// taken after the loop from a copy of each step's dL/dh, with the sum Dot uses.
// Not here: batch 1 (the step loop, or the LSTM's loop fused over hidden units), W_hh larger than a
// core's L2 (each core would stream all of it at every step, where the step loop's split GEMM streams
// half), and machines without 512-bit vectors.
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public unsafe partial class SimdBackend
{
    /// <summary>The largest W_hh, in floats (256 KB), whose loops are split by rows.</summary>
    private const int RowSplitWeights = 1 << 16;

    private static bool RowSplit(int batch, PreparedMatrix weights) =>
        Sgemm.Wide && Vector512.IsHardwareAccelerated && weights is Packed && batch >= 2 && (long)weights.K * weights.N <= RowSplitWeights;

    /// <summary>How many parts a batch is split into: one per core, at most one per row.</summary>
    internal static int RowParts(int batch) => Math.Min(Cores.Count, batch);

    /// <summary>body(first, end) for each part's rows [p B / parts, (p + 1) B / parts), the parts spread over the cores.</summary>
    private static void ForRowParts(int batch, int parts, Action<int, int> body) =>
        Cores.For(parts, p => body(p * batch / parts, (p + 1) * batch / parts));

    // Copies of dL/dh at every step, for the norms ([T, B, H], per calling thread).
    [ThreadStatic] private static float[]? normHistory;
    // The second dL/dh buffer of the GRU's backward loop ([B, H], per calling thread).
    [ThreadStatic] private static float[]? gruPrevious;

    private static float[] Buffer(ref float[]? buffer, int length) => buffer is not null && buffer.Length >= length ? buffer : buffer = new float[length];

    /// <summary>norms[t] = ||history[t]||, history [T, stride], each summed as Dot sums a step's dL/dh.</summary>
    private static void NormsOf(float[] history, int steps, int stride, double[] norms)
    {
        for (int t = 0; t < steps; t++) norms[t] = Math.Sqrt(Dot(history, t * stride, history, t * stride, stride));
    }

    private static void CheckBackward(string op, int steps, int stateLength, Tensor? dY, double[]? norms)
    {
        if (dY is not null) ShapeOf.RequireLength(op, "dY", dY, steps * stateLength);
        if (norms is not null && norms.Length < steps) throw new ArgumentException($"{op}: {norms.Length} norm slots for {steps} steps");
    }

    /// <summary>dh += dY[t] on a part's rows (as Axpy adds), and the copy of dh for the norms.</summary>
    private static void TakeOutputGradient(float[]? DY, int dyAt, float[]? history, int historyAt, Span<float> dh)
    {
        if (DY is not null) TensorPrimitives.FusedMultiplyAdd(DY.AsSpan(dyAt, dh.Length), 1f, dh, dh);
        if (history is not null) dh.CopyTo(history.AsSpan(historyAt, dh.Length));
    }

    internal void RnnRowSplitForward(Activation f, float slope, Tensor pre, PreparedMatrix recurrentWeights, Tensor h0, Tensor y, int parts)
    {
        const string op = "RnnSequenceForward";
        int steps = pre.Shape[0], batch = h0.Rows, n = h0.Columns, stride = batch * n;
        var w = PackedWeights(op, recurrentWeights, n, n);
        ShapeOf.RequireLength(op, "pre", pre, steps * stride);
        ShapeOf.RequireLength(op, "y", y, steps * stride);
        var P = pre.Array(out int pOff); var H0 = h0.Array(out int h0Off); var Y = y.Array(out int yOff);
        ForRowParts(batch, parts, (first, end) =>
        {
            int m = end - first, rows = first * n, length = m * n;
            for (int t = 0; t < steps; t++)
            {
                int at = t * stride + rows;
                if (t == 0) RowsGemm.Run(m, H0, h0Off + rows, w, 1f, P, pOff + at);
                else RowsGemm.Run(m, Y, yOff + at - stride, w, 1f, P, pOff + at);
                ActivationForward(f, slope, P.AsSpan(pOff + at, length), Y.AsSpan(yOff + at, length));
            }
        });
    }

    internal void RnnRowSplitBackward(Activation f, float slope, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dPre, double[]? norms, int parts)
    {
        const string op = "RnnSequenceBackward";
        int steps = y.Shape[0], batch = dH.Rows, n = dH.Columns, stride = batch * n;
        var w = PackedWeights(op, recurrentWeights, n, n);
        ShapeOf.RequireLength(op, "y", y, steps * stride);
        ShapeOf.RequireLength(op, "dPre", dPre, steps * stride);
        CheckBackward(op, steps, stride, dY, norms);
        var Y = y.Array(out int yOff); var DH = dH.Array(out int dhOff); var DP = dPre.Array(out int dpOff);
        int dyOff = 0;
        float[]? DY = dY?.Array(out dyOff);
        var history = norms is null ? null : Buffer(ref normHistory, steps * stride);
        ForRowParts(batch, parts, (first, end) =>
        {
            int m = end - first, rows = first * n, length = m * n;
            for (int t = steps - 1; t >= 0; t--)
            {
                int at = t * stride + rows;
                switch (f)
                {
                    case Activation.Tanh:
                        fixed (float* yp = Y, dhp = DH, dyp = DY, hp = history, dpp = DP)
                            TanhStepBackward(yp + yOff + at, dhp + dhOff + rows, DY is null ? null : dyp + dyOff + at, hp is null ? null : hp + at, dpp + dpOff + at, length);
                        break;
                    case Activation.Relu or Activation.LeakyRelu or Activation.Sigmoid or Activation.Identity:
                        var dh = DH.AsSpan(dhOff + rows, length);
                        var dp = DP.AsSpan(dpOff + at, length);
                        TakeOutputGradient(DY, dyOff + at, history, at, dh);
                        dp.Clear(); // ActivationBackward accumulates
                        ActivationBackward(f, slope, Y.AsSpan(yOff + at, length), dh, dp);
                        break;
                    default: throw new UnhandledKindException(f);
                }
                RowsGemm.Run(m, DP, dpOff + at, w, 0f, DH, dhOff + rows);
            }
        });
        if (history is not null) NormsOf(history, steps, stride, norms!);
    }

    /// <summary>
    /// A tanh RNN step backward on a part's rows in one pass over them: dh + dY (when given), its copy for
    /// the norms (when kept), and dPre = (dh + dY) (1 - y^2). The same roundings as TakeOutputGradient,
    /// then ActivationBackward into a cleared dPre (dh + dY is what the FMA with 1 gives; y^2, then 1 minus
    /// it; then one FMA onto zero), so the same bits; dh itself is left as it was, since the step's
    /// product then replaces it. One pass instead of four (the sum, a clear, the derivative in a scratch
    /// buffer, the FMA): the small RNN's step ran 10% faster.
    /// </summary>
    private static void TanhStepBackward(float* y, float* dh, float* dy, float* history, float* dPre, int length)
    {
        var one = Vector512<float>.One;
        for (int i = 0; i < length; i += MaskedLanes.Lanes)
        {
            var mask = MaskedLanes.Mask(length - i);
            var d = MaskedLanes.Load(dh + i, mask);
            if (dy is not null) d += MaskedLanes.Load(dy + i, mask);
            if (history is not null) MaskedLanes.Store(history + i, mask, d);
            var v = MaskedLanes.Load(y + i, mask);
            MaskedLanes.Store(dPre + i, mask, Vector512.FusedMultiplyAdd(d, one - v * v, Vector512<float>.Zero));
        }
    }

    internal void GruRowSplitForward(Tensor gates, Tensor recurrent, Tensor biasHh, PreparedMatrix recurrentWeights, Tensor h0, Tensor y, int parts)
    {
        const string op = "GruSequenceForward";
        int steps = gates.Shape[0], batch = h0.Rows, n = h0.Columns, stride = batch * n, gateStride = 3 * stride;
        var w = PackedWeights(op, recurrentWeights, n, 3 * n);
        ShapeOf.RequireLength(op, "gates", gates, steps * gateStride);
        ShapeOf.RequireLength(op, "recurrent", recurrent, steps * gateStride);
        ShapeOf.RequireLength(op, "y", y, steps * stride);
        ShapeOf.RequireLength(op, "biasHh", biasHh, 3 * n);
        var G = gates.Array(out int gOff); var R = recurrent.Array(out int rOff); var Bs = biasHh.Array(out int bOff);
        var H0 = h0.Array(out int h0Off); var Y = y.Array(out int yOff);
        ForRowParts(batch, parts, (first, end) =>
        {
            int m = end - first;
            fixed (float* g = G, rec = R, h0p = H0, hs = Y, bias = Bs)
                for (int t = 0; t < steps; t++)
                {
                    int at = t * gateStride;
                    if (t == 0) RowsGemm.Run(m, H0, h0Off + first * n, w, 0f, R, rOff + at + first * 3 * n);
                    else RowsGemm.Run(m, Y, yOff + (t - 1) * stride + first * n, w, 0f, R, rOff + at + first * 3 * n);
                    RowsPlusBias(rec + rOff + at + first * 3 * n, bias + bOff, rec + rOff + at + first * 3 * n, m, 3 * n); // as AddBias adds
                    float* hPrev = t == 0 ? h0p + h0Off : hs + yOff + (t - 1) * stride;
                    GruForwardRows(first, end, n, g + gOff + at, rec + rOff + at, hPrev, hs + yOff + t * stride);
                }
        });
    }

    internal void GruRowSplitBackward(Tensor gates, Tensor recurrent, Tensor h0, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dGx, Tensor dGh, double[]? norms, int parts)
    {
        const string op = "GruSequenceBackward";
        int steps = gates.Shape[0], batch = dH.Rows, n = dH.Columns, stride = batch * n, gateStride = 3 * stride;
        var w = PackedWeights(op, recurrentWeights, 3 * n, n);
        ShapeOf.RequireLength(op, "gates", gates, steps * gateStride);
        ShapeOf.RequireLength(op, "recurrent", recurrent, steps * gateStride);
        ShapeOf.RequireLength(op, "dGx", dGx, steps * gateStride);
        ShapeOf.RequireLength(op, "dGh", dGh, steps * gateStride);
        ShapeOf.RequireLength(op, "y", y, steps * stride);
        ShapeOf.RequireLength(op, "h0", h0, stride);
        CheckBackward(op, steps, stride, dY, norms);
        var G = gates.Array(out int gOff); var R = recurrent.Array(out int rOff); var H0 = h0.Array(out int h0Off); var Y = y.Array(out int yOff);
        var DH = dH.Array(out int dhOff); var DX = dGx.Array(out int dxOff); var DG = dGh.Array(out int dgOff);
        int dyOff = 0;
        float[]? DY = dY?.Array(out dyOff);
        var history = norms is null ? null : Buffer(ref normHistory, steps * stride);
        var other = Buffer(ref gruPrevious, stride);
        ForRowParts(batch, parts, (first, end) =>
        {
            int m = end - first, rows = first * n, length = m * n;
            // dL/dh of the step and of the step before, swapped at every step (as GruLoop swaps them).
            (float[] Array, int Offset) current = (DH, dhOff), previous = (other, 0);
            fixed (float* g = G, rec = R, h0p = H0, hs = Y, dx = DX, dgh = DG)
                for (int t = steps - 1; t >= 0; t--)
                {
                    int at = t * gateStride;
                    TakeOutputGradient(DY, dyOff + t * stride + rows, history, t * stride + rows, current.Array.AsSpan(current.Offset + rows, length));
                    float* hPrev = t == 0 ? h0p + h0Off : hs + yOff + (t - 1) * stride;
                    fixed (float* cur = current.Array, prev = previous.Array)
                        GruBackwardRows(first, end, n, hPrev, g + gOff + at, rec + rOff + at, cur + current.Offset, dx + dxOff + at, dgh + dgOff + at, prev + previous.Offset);
                    RowsGemm.Run(m, DG, dgOff + at + first * 3 * n, w, 1f, previous.Array, previous.Offset + rows);
                    (current, previous) = (previous, current);
                }
            if (!ReferenceEquals(current.Array, DH)) current.Array.AsSpan(current.Offset + rows, length).CopyTo(DH.AsSpan(dhOff + rows, length));
        });
        if (history is not null) NormsOf(history, steps, stride, norms!);
    }

    internal void LstmRowSplitForward(Tensor gates, Tensor bias, PreparedMatrix recurrentWeights, Tensor h0, Tensor c0, Tensor cells, Tensor y, int parts)
    {
        const string op = "LstmSequenceForward";
        int steps = gates.Shape[0], batch = h0.Rows, n = h0.Columns, stride = batch * n, gateStride = 4 * stride;
        var w = PackedWeights(op, recurrentWeights, n, 4 * n);
        ShapeOf.RequireLength(op, "gates", gates, steps * gateStride);
        ShapeOf.RequireLength(op, "cells", cells, steps * stride);
        ShapeOf.RequireLength(op, "y", y, steps * stride);
        ShapeOf.RequireLength(op, "c0", c0, stride);
        ShapeOf.RequireLength(op, "bias", bias, 4 * n);
        var G = gates.Array(out int gOff); var Bs = bias.Array(out int bOff);
        var H0 = h0.Array(out int h0Off); var C0 = c0.Array(out int c0Off); var C = cells.Array(out int cOff); var Y = y.Array(out int yOff);
        int blocksPerRow = (n + Lanes - 1) / Lanes;
        ForRowParts(batch, parts, (first, end) =>
        {
            int m = end - first;
            fixed (float* g = G, c0p = C0, cc = C, hs = Y, bs = Bs)
                for (int t = 0; t < steps; t++)
                {
                    int at = gOff + t * gateStride;
                    RowsPlusBias(g + at + first * 4 * n, bs + bOff, g + at + first * 4 * n, m, 4 * n); // as AddBias adds
                    if (t == 0) RowsGemm.Run(m, H0, h0Off + first * n, w, 1f, G, at + first * 4 * n);
                    else RowsGemm.Run(m, Y, yOff + (t - 1) * stride + first * n, w, 1f, G, at + first * 4 * n);
                    float* cPrev = t == 0 ? c0p + c0Off : cc + cOff + (t - 1) * stride;
                    LstmForwardBlocks(first * blocksPerRow, end * blocksPerRow, n, g + at, cPrev, cc + cOff + t * stride, hs + yOff + t * stride);
                }
        });
    }

    internal void LstmRowSplitBackward(Tensor gates, Tensor c0, Tensor cells, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dC, Tensor dGates, double[]? norms, int parts)
    {
        const string op = "LstmSequenceBackward";
        int steps = gates.Shape[0], batch = dH.Rows, n = dH.Columns, stride = batch * n, gateStride = 4 * stride;
        var w = PackedWeights(op, recurrentWeights, 4 * n, n);
        ShapeOf.RequireLength(op, "gates", gates, steps * gateStride);
        ShapeOf.RequireLength(op, "dGates", dGates, steps * gateStride);
        ShapeOf.RequireLength(op, "cells", cells, steps * stride);
        ShapeOf.RequireLength(op, "c0", c0, stride);
        ShapeOf.RequireLength(op, "dC", dC, stride);
        CheckBackward(op, steps, stride, dY, norms);
        var G = gates.Array(out int gOff); var C0 = c0.Array(out int c0Off); var C = cells.Array(out int cOff);
        var DH = dH.Array(out int dhOff); var DC = dC.Array(out int dcOff); var DG = dGates.Array(out int dgOff);
        int dyOff = 0;
        float[]? DY = dY?.Array(out dyOff);
        var history = norms is null ? null : Buffer(ref normHistory, steps * stride);
        int blocksPerRow = (n + Lanes - 1) / Lanes;
        ForRowParts(batch, parts, (first, end) =>
        {
            int m = end - first, rows = first * n, length = m * n;
            fixed (float* g = G, c0p = C0, cc = C, dh = DH, dc = DC, dg = DG)
                for (int t = steps - 1; t >= 0; t--)
                {
                    int at = t * gateStride;
                    TakeOutputGradient(DY, dyOff + t * stride + rows, history, t * stride + rows, DH.AsSpan(dhOff + rows, length));
                    float* cPrev = t == 0 ? c0p + c0Off : cc + cOff + (t - 1) * stride;
                    LstmBackwardBlocks(first * blocksPerRow, end * blocksPerRow, n, g + gOff + at, cPrev, cc + cOff + t * stride, dh + dhOff, dc + dcOff, dg + dgOff + at);
                    RowsGemm.Run(m, DG, dgOff + at + first * 4 * n, w, 0f, DH, dhOff + rows);
                }
        });
        if (history is not null) NormsOf(history, steps, stride, norms!);
    }
}
