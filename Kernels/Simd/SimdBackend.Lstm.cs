// SIMD LSTM gate kernels: a step's gate equations in one pass over its gate buffer, 16 hidden units at
// a time in 512-bit registers (VectorMath's sigmoid and tanh), split over the cores when the step holds
// enough units. A chain of span-wide TensorPrimitives calls made a dozen passes
// over each row and took 5-10 ns per unit; this takes about one.
// Not here: machines without 512-bit vectors run the reference kernels.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public unsafe partial class SimdBackend
{
    /// <summary>Below this many hidden units (B x H) in a step one core does the gates: a hand-off would cost more.</summary>
    private const int ParallelGateUnits = 4096;

    private const int Lanes = MaskedLanes.Lanes;

    public void LstmGatesForward(Tensor cPrev, Tensor gates, Tensor c, Tensor h)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            scalar.LstmGatesForward(cPrev, gates, c, h);
            return;
        }
        int n = RecurrentChecks.Hidden("LstmGatesForward", gates, 4, cPrev, c, h);
        var G = gates.Array(out int gOff); var Cp = cPrev.Array(out int cpOff); var C = c.Array(out int cOff); var Hs = h.Array(out int hOff);
        ForEachLaneBlock(gates.Rows, n, (first, end) =>
        {
            fixed (float* g = G, cp = Cp, cc = C, hh = Hs) LstmForwardBlocks(first, end, n, g + gOff, cp + cpOff, cc + cOff, hh + hOff);
        });
    }

    /// <summary>LstmGatesForward on the lane blocks [first, end) of a step (pointers to the step's row 0; see LaneBlock).</summary>
    private static void LstmForwardBlocks(int first, int end, int n, float* gates, float* cPrev, float* c, float* h)
    {
        for (int block = first; block < end; block++)
        {
            var (b, j, count) = LaneBlock(block, n);
            int s = b * n + j;
            ForwardLanes(gates + b * 4 * n + j, n, cPrev + s, c + s, h + s, MaskedLanes.Mask(count));
        }
    }

    /// <summary>
    /// The mask's units (16, or a row's ragged end): gates i, f, g, o at gate[0], gate[n], gate[2n],
    /// gate[3n] activated in place; c = f cPrev + i g; h = o tanh(c).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardLanes(float* gate, int n, float* cPrev, float* c, float* h, Vector512<float> mask)
    {
        var i = VectorMath.Sigmoid(MaskedLanes.Load(gate, mask));
        var f = VectorMath.Sigmoid(MaskedLanes.Load(gate + n, mask));
        var g = VectorMath.Tanh(MaskedLanes.Load(gate + 2 * n, mask));
        var o = VectorMath.Sigmoid(MaskedLanes.Load(gate + 3 * n, mask));
        MaskedLanes.Store(gate, mask, i); MaskedLanes.Store(gate + n, mask, f); MaskedLanes.Store(gate + 2 * n, mask, g); MaskedLanes.Store(gate + 3 * n, mask, o);
        var cell = f * MaskedLanes.Load(cPrev, mask) + i * g;
        MaskedLanes.Store(c, mask, cell);
        MaskedLanes.Store(h, mask, o * VectorMath.Tanh(cell));
    }

    public void LstmGatesBackward(Tensor gates, Tensor cPrev, Tensor c, Tensor dH, Tensor dC, Tensor dGates)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            scalar.LstmGatesBackward(gates, cPrev, c, dH, dC, dGates);
            return;
        }
        int n = RecurrentChecks.Hidden("LstmGatesBackward", gates, 4, cPrev, c, dH, dC);
        ShapeOf.RequireLength("LstmGatesBackward", "dGates", dGates, gates.Length);
        var G = gates.Array(out int gOff); var Cp = cPrev.Array(out int cpOff); var C = c.Array(out int cOff);
        var DH = dH.Array(out int dhOff); var DC = dC.Array(out int dcOff); var DG = dGates.Array(out int dgOff);
        ForEachLaneBlock(gates.Rows, n, (first, end) =>
        {
            fixed (float* g = G, cp = Cp, cc = C, dh = DH, dc = DC, dg = DG)
                LstmBackwardBlocks(first, end, n, g + gOff, cp + cpOff, cc + cOff, dh + dhOff, dc + dcOff, dg + dgOff);
        });
    }

    /// <summary>LstmGatesBackward on the lane blocks [first, end) of a step (pointers to the step's row 0).</summary>
    private static void LstmBackwardBlocks(int first, int end, int n, float* gates, float* cPrev, float* c, float* dH, float* dC, float* dGates)
    {
        for (int block = first; block < end; block++)
        {
            var (b, j, count) = LaneBlock(block, n);
            int row = b * 4 * n + j, s = b * n + j;
            BackwardLanes(gates + row, n, cPrev + s, c + s, dH + s, dC + s, dGates + row, MaskedLanes.Mask(count));
        }
    }

    /// <summary>
    /// The mask's units of the step backward: from the activated gates (gate[0], gate[n], ...), cPrev, c,
    /// dh and dc (dL/dc_t, replaced by dL/dc_{t-1}), the pre-activation gradients at dGate[0], dGate[n], ...
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardLanes(float* gate, int n, float* cPrev, float* c, float* dh, float* dc, float* dGate, Vector512<float> mask)
    {
        var one = Vector512<float>.One;
        var i = MaskedLanes.Load(gate, mask); var f = MaskedLanes.Load(gate + n, mask);
        var g = MaskedLanes.Load(gate + 2 * n, mask); var o = MaskedLanes.Load(gate + 3 * n, mask);
        var tc = VectorMath.Tanh(MaskedLanes.Load(c, mask));
        var dH = MaskedLanes.Load(dh, mask);
        // h = o tanh(c): dc += dh o (1 - tanh^2 c); do_pre = dh tanh(c) o (1 - o).
        var dC = MaskedLanes.Load(dc, mask) + dH * o * (one - tc * tc);
        MaskedLanes.Store(dGate, mask, dC * g * i * (one - i));                                  // c = f cPrev + i g
        MaskedLanes.Store(dGate + n, mask, dC * MaskedLanes.Load(cPrev, mask) * f * (one - f));
        MaskedLanes.Store(dGate + 2 * n, mask, dC * i * (one - g * g));
        MaskedLanes.Store(dGate + 3 * n, mask, dH * tc * o * (one - o));
        MaskedLanes.Store(dc, mask, dC * f);                                                      // dL/dc_{t-1}
    }

    /// <summary>
    /// Runs body over the lane blocks of a [rows, n] state (each row in blocks of 16 units, the last one
    /// ragged), split into one contiguous range per core when there are enough units.
    /// </summary>
    private static void ForEachLaneBlock(int rows, int n, Action<int, int> body)
    {
        int blocks = rows * ((n + Lanes - 1) / Lanes);
        int parts = rows * n >= ParallelGateUnits ? Cores.Count : 1;
        Cores.For(parts, part => body(part * blocks / parts, (part + 1) * blocks / parts));
    }

    /// <summary>Lane block index to (row, first unit, units in the block).</summary>
    private static (int Row, int Unit, int Count) LaneBlock(int block, int n)
    {
        int perRow = (n + Lanes - 1) / Lanes;
        int b = block / perRow, j = block % perRow * Lanes;
        return (b, j, Math.Min(Lanes, n - j));
    }
}
