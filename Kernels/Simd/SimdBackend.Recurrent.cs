// SIMD GRU gate kernels: a step's gate equations in one pass over its gate rows, 16 hidden units at a
// time in 512-bit registers (VectorMath's sigmoid and tanh), as the LSTM's are (SimdBackend.Lstm.cs).
// A row's ragged end runs the same lanes through a mask (MaskedLanes), so a unit's result depends on
// its values only, not on the rows around it: the row-split time loops run these on part of a step.
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
        for (int b = first; b < end; b++)
            for (int j = 0; j < n; j += Lanes)
                ForwardLanes(gx + b * 3 * n + j, gh + b * 3 * n + j, n, hPrev + b * n + j, h + b * n + j, MaskedLanes.Mask(n - j));
    }

    /// <summary>
    /// The mask's units (16, or a row's ragged end): r = sigma(gx_r + gh_r), z = sigma(gx_z + gh_z),
    /// n = tanh(gx_n + r gh_n) stored over gx (gates at gx[0], gx[n], gx[2n]), h = n + z (hPrev - n).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardLanes(float* gx, float* gh, int n, float* hPrev, float* h, Vector512<float> mask)
    {
        var r = VectorMath.Sigmoid(MaskedLanes.Load(gx, mask) + MaskedLanes.Load(gh, mask));
        var z = VectorMath.Sigmoid(MaskedLanes.Load(gx + n, mask) + MaskedLanes.Load(gh + n, mask));
        var nn = VectorMath.Tanh(Vector512.FusedMultiplyAdd(r, MaskedLanes.Load(gh + 2 * n, mask), MaskedLanes.Load(gx + 2 * n, mask)));
        MaskedLanes.Store(gx, mask, r); MaskedLanes.Store(gx + n, mask, z); MaskedLanes.Store(gx + 2 * n, mask, nn);
        MaskedLanes.Store(h, mask, Vector512.FusedMultiplyAdd(z, MaskedLanes.Load(hPrev, mask) - nn, nn));
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
        for (int b = first; b < end; b++)
            for (int j = 0; j < n; j += Lanes)
            {
                int row = b * 3 * n + j, s = b * n + j;
                BackwardLanes(gates + row, gh + row + 2 * n, n, hPrev + s, dH + s, dGx + row, dGh + row, dHPrev + s, MaskedLanes.Mask(n - j));
            }
    }

    /// <summary>
    /// The mask's units of the step backward, from the activated gates r, z, n (gates[0], gates[n],
    /// gates[2n]), gh_n, hPrev and dh: the pre-activation gradients dGx (r, z, n), dGh (the same, but
    /// r dn_pre for n) and the direct part z dh of dL/dh_{t-1}.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardLanes(float* gates, float* ghN, int n, float* hPrev, float* dh, float* dGx, float* dGh, float* dHPrev, Vector512<float> mask)
    {
        var one = Vector512<float>.One;
        var r = MaskedLanes.Load(gates, mask); var z = MaskedLanes.Load(gates + n, mask); var nn = MaskedLanes.Load(gates + 2 * n, mask);
        var dH = MaskedLanes.Load(dh, mask);
        var dn = (one - z) * ((one - nn * nn) * dH);                             // h = (1 - z) n + z hPrev; n = tanh(.)
        var dz = (one - z) * z * (MaskedLanes.Load(hPrev, mask) - nn) * dH;      // z = sigma(.)
        var dr = (one - r) * r * MaskedLanes.Load(ghN, mask) * dn;               // n's argument holds r gh_n
        MaskedLanes.Store(dGx, mask, dr); MaskedLanes.Store(dGx + n, mask, dz); MaskedLanes.Store(dGx + 2 * n, mask, dn);
        MaskedLanes.Store(dGh, mask, dr); MaskedLanes.Store(dGh + n, mask, dz); MaskedLanes.Store(dGh + 2 * n, mask, dn * r);
        MaskedLanes.Store(dHPrev, mask, dH * z);
    }
}
