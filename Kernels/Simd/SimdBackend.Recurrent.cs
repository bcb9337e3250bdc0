// SIMD GRU gate kernels: a step's gate equations in one pass over its gate rows, 16 hidden units at a
// time in 512-bit registers (VectorMath's sigmoid and tanh), as the LSTM's are (SimdBackend.Lstm.cs).
// A row's ragged end runs the same lanes on a zero-padded copy, so a unit's result depends on its
// values only, not on the rows around it: the row-split time loops run these on part of a step.
// Not here: machines without 512-bit vectors run the reference kernels.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

public unsafe partial class SimdBackend
{
    public void GruGatesForward(Tensor hPrev, Tensor gx, Tensor gh, Tensor h)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            scalar.GruGatesForward(hPrev, gx, gh, h);
            return;
        }
        int n = RecurrentChecks.Hidden("GruGatesForward", gx, 3, hPrev, h);
        ShapeOf.RequireLength("GruGatesForward", "gh", gh, gx.Length);
        fixed (float* x = gx.Array(out int xOff), hg = gh.Array(out int ghOff), hp = hPrev.Array(out int hpOff), hs = h.Array(out int hOff))
            GruForwardRows(0, gx.Rows, n, x + xOff, hg + ghOff, hp + hpOff, hs + hOff);
    }

    /// <summary>GruGatesForward on rows [first, end) of a step (pointers to the step's row 0).</summary>
    private static void GruForwardRows(int first, int end, int n, float* gx, float* gh, float* hPrev, float* h)
    {
        float* t = stackalloc float[8 * Lanes];
        for (int b = first; b < end; b++)
            for (int j = 0; j < n; j += Lanes)
            {
                float* x = gx + b * 3 * n + j, hg = gh + b * 3 * n + j, hp = hPrev + b * n + j, hh = h + b * n + j;
                int count = Math.Min(Lanes, n - j);
                if (count == Lanes)
                {
                    ForwardLanes(x, hg, n, hp, hh);
                    continue;
                }
                // t: x gates [0, 3), gh gates [3, 6), hPrev 6, h 7 (16 lanes each).
                ClearLanes(t, 8);
                for (int q = 0; q < 3; q++)
                {
                    Copy(x + q * n, t + q * Lanes, count);
                    Copy(hg + q * n, t + (3 + q) * Lanes, count);
                }
                Copy(hp, t + 6 * Lanes, count);
                ForwardLanes(t, t + 3 * Lanes, Lanes, t + 6 * Lanes, t + 7 * Lanes);
                for (int q = 0; q < 3; q++) Copy(t + q * Lanes, x + q * n, count);
                Copy(t + 7 * Lanes, hh, count);
            }
    }

    /// <summary>
    /// 16 units: r = sigma(gx_r + gh_r), z = sigma(gx_z + gh_z), n = tanh(gx_n + r gh_n) stored over gx
    /// (gates at gx[0], gx[n], gx[2n]), h = n + z (hPrev - n).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardLanes(float* gx, float* gh, int n, float* hPrev, float* h)
    {
        var r = VectorMath.Sigmoid(Vector512.Load(gx) + Vector512.Load(gh));
        var z = VectorMath.Sigmoid(Vector512.Load(gx + n) + Vector512.Load(gh + n));
        var nn = VectorMath.Tanh(Vector512.FusedMultiplyAdd(r, Vector512.Load(gh + 2 * n), Vector512.Load(gx + 2 * n)));
        r.Store(gx); z.Store(gx + n); nn.Store(gx + 2 * n);
        Vector512.FusedMultiplyAdd(z, Vector512.Load(hPrev) - nn, nn).Store(h);
    }

    public void GruGatesBackward(Tensor hPrev, Tensor gates, Tensor gh, Tensor dH, Tensor dGx, Tensor dGh, Tensor dHPrev)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            scalar.GruGatesBackward(hPrev, gates, gh, dH, dGx, dGh, dHPrev);
            return;
        }
        int n = RecurrentChecks.Hidden("GruGatesBackward", gates, 3, hPrev, dH, dHPrev);
        ShapeOf.RequireLength("GruGatesBackward", "gh", gh, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGx", dGx, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGh", dGh, gates.Length);
        fixed (float* hp = hPrev.Array(out int hpOff), g = gates.Array(out int gOff), hg = gh.Array(out int ghOff), dh = dH.Array(out int dhOff),
               dx = dGx.Array(out int dxOff), dhg = dGh.Array(out int dhgOff), dhp = dHPrev.Array(out int dhpOff))
            GruBackwardRows(0, gates.Rows, n, hp + hpOff, g + gOff, hg + ghOff, dh + dhOff, dx + dxOff, dhg + dhgOff, dhp + dhpOff);
    }

    /// <summary>GruGatesBackward on rows [first, end) of a step (pointers to the step's row 0).</summary>
    private static void GruBackwardRows(int first, int end, int n, float* hPrev, float* gates, float* gh, float* dH, float* dGx, float* dGh, float* dHPrev)
    {
        float* t = stackalloc float[13 * Lanes];
        for (int b = first; b < end; b++)
            for (int j = 0; j < n; j += Lanes)
            {
                int row = b * 3 * n + j, s = b * n + j;
                int count = Math.Min(Lanes, n - j);
                if (count == Lanes)
                {
                    BackwardLanes(gates + row, gh + row + 2 * n, n, hPrev + s, dH + s, dGx + row, dGh + row, dHPrev + s);
                    continue;
                }
                // t: gates [0, 3), gh_n 3, hPrev 4, dH 5, dGx [6, 9), dGh [9, 12), dHPrev 12.
                ClearLanes(t, 13);
                for (int q = 0; q < 3; q++) Copy(gates + row + q * n, t + q * Lanes, count);
                Copy(gh + row + 2 * n, t + 3 * Lanes, count);
                Copy(hPrev + s, t + 4 * Lanes, count);
                Copy(dH + s, t + 5 * Lanes, count);
                BackwardLanes(t, t + 3 * Lanes, Lanes, t + 4 * Lanes, t + 5 * Lanes, t + 6 * Lanes, t + 9 * Lanes, t + 12 * Lanes);
                for (int q = 0; q < 3; q++)
                {
                    Copy(t + (6 + q) * Lanes, dGx + row + q * n, count);
                    Copy(t + (9 + q) * Lanes, dGh + row + q * n, count);
                }
                Copy(t + 12 * Lanes, dHPrev + s, count);
            }
    }

    /// <summary>
    /// 16 units of the step backward, from the activated gates r, z, n (gates[0], gates[n], gates[2n]),
    /// gh_n, hPrev and dh: the pre-activation gradients dGx (r, z, n), dGh (the same, but r dn_pre for
    /// n) and the direct part z dh of dL/dh_{t-1}.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardLanes(float* gates, float* ghN, int n, float* hPrev, float* dh, float* dGx, float* dGh, float* dHPrev)
    {
        var one = Vector512<float>.One;
        var r = Vector512.Load(gates); var z = Vector512.Load(gates + n); var nn = Vector512.Load(gates + 2 * n);
        var dH = Vector512.Load(dh);
        var dn = (one - z) * ((one - nn * nn) * dH);                  // h = (1 - z) n + z hPrev; n = tanh(.)
        var dz = (one - z) * z * (Vector512.Load(hPrev) - nn) * dH;   // z = sigma(.)
        var dr = (one - r) * r * Vector512.Load(ghN) * dn;            // n's argument holds r gh_n
        dr.Store(dGx); dz.Store(dGx + n); dn.Store(dGx + 2 * n);
        dr.Store(dGh); dz.Store(dGh + n); (dn * r).Store(dGh + 2 * n);
        (dH * z).Store(dHPrev);
    }
}
