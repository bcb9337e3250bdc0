// The batch-1 LSTM time loops, fused over the cores. Step by step, a batch-1 pass hands each step's
// product to the cores anew (64 hand-offs per pass at T = 64) and runs the bias and gate kernel on
// one core in between, while the product itself takes only a few microseconds. Here a pass is one
// Cores.ForSteps job. The hidden units are cut into slabs of 64 (or 32), and an item is one slab at
// one step, doing all that step needs for its units:
// - forward: the bias (b_ih + b_hh, summed by the caller) and h W_hh^T for its four gates' columns,
//   then the gate kernel;
// - backward: the gate kernel, then dG W_hh over its band of rows, a partial sum that the next step's
//   items add up in slab order.
// Each core takes the same slabs at every step, so that it keeps their columns (forward) and rows
// (backward) of W_hh in its own L2. No sum depends on which thread ran which item.
// Not here: batches above 1 (where the products dominate, the same fusion is no faster forward and
// slower backward; small ones are split by rows instead, SimdBackend.RowSplit), hidden sizes that are not a multiple of 32, and machines
// without 512-bit vectors run the step-by-step loop (LstmLoop).
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public unsafe partial class SimdBackend
{
    private static int SlabUnits(int hidden) => hidden % 64 == 0 ? 64 : 32;

    private static bool Fused(Tensor state, PreparedMatrix weights) =>
        Sgemm.Wide && Vector512.IsHardwareAccelerated && weights is Packed && state.Rows == 1 && state.Length > 0 && state.Length % 32 == 0;

    public void LstmSequenceForward(Tensor gates, Tensor bias, PreparedMatrix recurrentWeights, Tensor h0, Tensor c0, Tensor cells, Tensor y)
    {
        if (!Fused(h0, recurrentWeights))
        {
            if (RowSplit(h0.Rows, recurrentWeights)) LstmRowSplitForward(gates, bias, recurrentWeights, h0, c0, cells, y, RowParts(h0.Rows));
            else LstmLoop.Forward(this, gates, bias, recurrentWeights, h0, c0, cells, y);
            return;
        }
        int n = h0.Length, steps = gates.Shape[0];
        const string op = "LstmSequenceForward";
        var w = PackedWeights(op, recurrentWeights, n, 4 * n);
        ShapeOf.RequireLength(op, "gates", gates, steps * 4 * n);
        ShapeOf.RequireLength(op, "cells", cells, steps * n);
        ShapeOf.RequireLength(op, "y", y, steps * n);
        ShapeOf.RequireLength(op, "c0", c0, n);
        ShapeOf.RequireLength(op, "bias", bias, 4 * n);
        int units = SlabUnits(n);
        var G = gates.Array(out int gOff); var Bs = bias.Array(out int bOff);
        var H0 = h0.Array(out int h0Off); var C0 = c0.Array(out int c0Off); var C = cells.Array(out int cOff); var Y = y.Array(out int yOff);
        Cores.ForSteps(steps, n / units, (t, slab) =>
        {
            int u0 = slab * units, row = gOff + t * 4 * n;
            var hPrev = t == 0 ? H0 : Y;
            int hPrevOff = t == 0 ? h0Off : yOff + (t - 1) * n;
            fixed (float* g = G, bs = Bs, c0p = C0, cc = C, hh = Y)
            {
                for (int q = 0; q < 4; q++)
                {
                    int col = q * n + u0;
                    for (int j = col; j < col + units; j += Lanes)
                    {
                        float* v = g + row + j;
                        (Vector512.Load(v) + Vector512.Load(bs + bOff + j)).Store(v);
                    }
                    Sgemm.SingleRowPanels(hPrev, hPrevOff, w, 1f, 1f, G, row, col / Sgemm.NR, (col + units) / Sgemm.NR);
                }
                float* cPrev = t == 0 ? c0p + c0Off : cc + cOff + (t - 1) * n;
                float* c = cc + cOff + t * n, h = hh + yOff + t * n;
                for (int j = u0; j < u0 + units; j += Lanes) ForwardLanes(g + row + j, n, cPrev + j, c + j, h + j, MaskedLanes.Full);
            }
        });
    }

    public void LstmSequenceBackward(Tensor gates, Tensor c0, Tensor cells, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dC, Tensor dGates, double[]? norms)
    {
        if (!Fused(dH, recurrentWeights))
        {
            if (RowSplit(dH.Rows, recurrentWeights)) LstmRowSplitBackward(gates, c0, cells, recurrentWeights, dY, dH, dC, dGates, norms, RowParts(dH.Rows));
            else LstmLoop.Backward(this, gates, c0, cells, recurrentWeights, dY, dH, dC, dGates, norms);
            return;
        }
        int n = dH.Length, steps = gates.Shape[0];
        const string op = "LstmSequenceBackward";
        var w = PackedWeights(op, recurrentWeights, 4 * n, n);
        ShapeOf.RequireLength(op, "gates", gates, steps * 4 * n);
        ShapeOf.RequireLength(op, "cells", cells, steps * n);
        ShapeOf.RequireLength(op, "dGates", dGates, steps * 4 * n);
        ShapeOf.RequireLength(op, "c0", c0, n);
        ShapeOf.RequireLength(op, "dC", dC, n);
        if (dY is not null) ShapeOf.RequireLength(op, "dY", dY, steps * n);
        if (norms is not null && norms.Length < steps) throw new ArgumentException($"{op}: {norms.Length} norm slots for {steps} steps");
        if (steps == 0) return;
        int units = SlabUnits(n), slabs = n / units;
        // bands[t % 2][slab]: the slab's rows of dG_t W_hh, [H] each; step t-1 adds them up. Two sets,
        // so that step t's items never overwrite what a slower item of step t+1 may still be reading.
        var bands = new float[2 * slabs * n];
        var squares = norms is null ? null : new double[steps * slabs];
        var G = gates.Array(out int gOff); var C0 = c0.Array(out int c0Off); var C = cells.Array(out int cOff);
        var DH = dH.Array(out int dhOff); var DC = dC.Array(out int dcOff); var DG = dGates.Array(out int dgOff);
        int dyOff = 0;
        float[]? DY = dY is null ? null : dY.Array(out dyOff);
        Cores.ForSteps(steps, slabs, (k, slab) =>
        {
            int t = steps - 1 - k, u0 = slab * units, row = t * 4 * n;
            fixed (float* g = G, c0p = C0, cc = C, dhp = DH, dcp = DC, dg = DG, dy = DY, band = bands)
            {
                float* dh = dhp + dhOff + u0;
                if (t < steps - 1) AddBands(band + ((t + 1) & 1) * slabs * n + u0, slabs, n, units, dh);
                if (dy is not null)
                    for (int j = 0; j < units; j += Lanes) (Vector512.Load(dh + j) + Vector512.Load(dy + dyOff + t * n + u0 + j)).Store(dh + j);
                if (squares is not null) squares[t * slabs + slab] = DoubleSums.Dot(new ReadOnlySpan<float>(dh, units), new ReadOnlySpan<float>(dh, units));
                float* cPrev = t == 0 ? c0p + c0Off : cc + cOff + (t - 1) * n;
                float* c = cc + cOff + t * n;
                for (int j = u0; j < u0 + units; j += Lanes)
                    BackwardLanes(g + gOff + row + j, n, cPrev + j, c + j, dhp + dhOff + j, dcp + dcOff + j, dg + dgOff + row + j, MaskedLanes.Full);
                ReadOnlySpan<int> starts = [u0, n + u0, 2 * n + u0, 3 * n + u0];
                Sgemm.RowRangesProduct(dg + dgOff + row, w, starts, units, band + (t & 1) * slabs * n + slab * n);
            }
        });
        // dL/dh0: step 0's bands, added in the same order.
        fixed (float* dhp = DH, band = bands) AddBands(band, slabs, n, n, dhp + dhOff);
        if (norms is not null)
            for (int t = 0; t < steps; t++)
            {
                double sum = 0;
                for (int slab = 0; slab < slabs; slab++) sum += squares![t * slabs + slab];
                norms[t] = Math.Sqrt(sum);
            }
    }

    /// <summary>destination[0, count) = the slabs' bands (each [n] apart) added in slab order.</summary>
    private static void AddBands(float* first, int slabs, int n, int count, float* destination)
    {
        for (int j = 0; j < count; j += Lanes)
        {
            var sum = Vector512.Load(first + j);
            for (int slab = 1; slab < slabs; slab++) sum += Vector512.Load(first + slab * n + j);
            sum.Store(destination + j);
        }
    }

    /// <summary>The packed W_hh of a time loop, checked to be [k, columns] as the products read it.</summary>
    private static PackedB PackedWeights(string op, PreparedMatrix weights, int k, int columns)
    {
        if (weights.K != k || weights.N != columns)
            throw new ArgumentException($"{op}: W_hh prepared as [{weights.K}, {weights.N}], expected [{k}, {columns}]");
        return ((Packed)weights).Data;
    }
}
