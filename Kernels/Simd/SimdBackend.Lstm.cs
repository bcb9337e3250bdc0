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

    private const int Lanes = 16;

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
        float* t = stackalloc float[7 * Lanes];
        for (int block = first; block < end; block++)
        {
            var (b, j, count) = LaneBlock(block, n);
            float* row = gates + b * 4 * n + j;
            int s = b * n + j;
            if (count == Lanes) ForwardLanes(row, n, cPrev + s, c + s, h + s);
            else
            {
                // The ragged end of a row: the same lanes on a zero-padded copy.
                ClearLanes(t, 7);
                for (int q = 0; q < 4; q++) Copy(row + q * n, t + q * Lanes, count);
                Copy(cPrev + s, t + 4 * Lanes, count);
                ForwardLanes(t, Lanes, t + 4 * Lanes, t + 5 * Lanes, t + 6 * Lanes);
                for (int q = 0; q < 4; q++) Copy(t + q * Lanes, row + q * n, count);
                Copy(t + 5 * Lanes, c + s, count);
                Copy(t + 6 * Lanes, h + s, count);
            }
        }
    }

    /// <summary>16 units: gates i, f, g, o at gate[0], gate[n], gate[2n], gate[3n] activated in place; c = f cPrev + i g; h = o tanh(c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardLanes(float* gate, int n, float* cPrev, float* c, float* h)
    {
        var i = VectorMath.Sigmoid(Vector512.Load(gate));
        var f = VectorMath.Sigmoid(Vector512.Load(gate + n));
        var g = VectorMath.Tanh(Vector512.Load(gate + 2 * n));
        var o = VectorMath.Sigmoid(Vector512.Load(gate + 3 * n));
        i.Store(gate); f.Store(gate + n); g.Store(gate + 2 * n); o.Store(gate + 3 * n);
        var cell = f * Vector512.Load(cPrev) + i * g;
        cell.Store(c);
        (o * VectorMath.Tanh(cell)).Store(h);
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
        float* t = stackalloc float[12 * Lanes];
        for (int block = first; block < end; block++)
        {
            var (b, j, count) = LaneBlock(block, n);
            float* row = gates + b * 4 * n + j, dRow = dGates + b * 4 * n + j;
            int s = b * n + j;
            if (count == Lanes) BackwardLanes(row, n, cPrev + s, c + s, dH + s, dC + s, dRow);
            else
            {
                ClearLanes(t, 12);
                for (int q = 0; q < 4; q++) Copy(row + q * n, t + q * Lanes, count);
                Copy(cPrev + s, t + 4 * Lanes, count);
                Copy(c + s, t + 5 * Lanes, count);
                Copy(dH + s, t + 6 * Lanes, count);
                Copy(dC + s, t + 7 * Lanes, count);
                BackwardLanes(t, Lanes, t + 4 * Lanes, t + 5 * Lanes, t + 6 * Lanes, t + 7 * Lanes, t + 8 * Lanes);
                for (int q = 0; q < 4; q++) Copy(t + (8 + q) * Lanes, dRow + q * n, count);
                Copy(t + 7 * Lanes, dC + s, count);
            }
        }
    }

    /// <summary>
    /// 16 units of the step backward: from the activated gates (gate[0], gate[n], ...), cPrev, c, dh and
    /// dc (dL/dc_t, replaced by dL/dc_{t-1}), the pre-activation gradients at dGate[0], dGate[n], ...
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardLanes(float* gate, int n, float* cPrev, float* c, float* dh, float* dc, float* dGate)
    {
        var one = Vector512<float>.One;
        var i = Vector512.Load(gate); var f = Vector512.Load(gate + n); var g = Vector512.Load(gate + 2 * n); var o = Vector512.Load(gate + 3 * n);
        var tc = VectorMath.Tanh(Vector512.Load(c));
        var dH = Vector512.Load(dh);
        // h = o tanh(c): dc += dh o (1 - tanh^2 c); do_pre = dh tanh(c) o (1 - o).
        var dC = Vector512.Load(dc) + dH * o * (one - tc * tc);
        (dC * g * i * (one - i)).Store(dGate);                                      // c = f cPrev + i g
        (dC * Vector512.Load(cPrev) * f * (one - f)).Store(dGate + n);
        (dC * i * (one - g * g)).Store(dGate + 2 * n);
        (dH * tc * o * (one - o)).Store(dGate + 3 * n);
        (dC * f).Store(dc);                                                          // dL/dc_{t-1}
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

    /// <summary>
    /// The under-16 floats of a ragged lane block, one by one: Span.CopyTo's call cost about as much as
    /// the gate math, and a row of 50 units takes eleven such copies per step.
    /// </summary>
    private static void Copy(float* source, float* destination, int count)
    {
        for (int i = 0; i < count; i++) destination[i] = source[i];
    }

    /// <summary>Zeroes vectors x 16 floats (a ragged block's padded copy) with vector stores.</summary>
    private static void ClearLanes(float* t, int vectors)
    {
        for (int v = 0; v < vectors; v++) Vector512<float>.Zero.Store(t + v * Lanes);
    }
}
