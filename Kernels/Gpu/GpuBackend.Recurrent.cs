// Recurrent gate family on ILGPU: one launch per time step forward and one backward, over B * H units.
// The LSTM's fused time loop has its own file (GpuBackend.LstmSequence.cs).
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>>? lstmForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>>? lstmBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>>? gruForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>? gruBackward;

    public void LstmGatesForward(Tensor cPrev, Tensor gates, Tensor c, Tensor h)
    {
        int hidden = RecurrentChecks.Hidden("LstmGatesForward", gates, 4, cPrev, c, h);
        var (vcp, vg, vc, vh) = (View(cPrev), View(gates), View(c), View(h));
        if (c.Length == 0) return;
        lstmForward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>>(RecurrentKernels.LstmGatesForward);
        lstmForward(Spread(c.Length), vcp, vg, c.Length, hidden, vc, vh);
    }

    public void LstmGatesBackward(Tensor gates, Tensor cPrev, Tensor c, Tensor dH, Tensor dC, Tensor dGates)
    {
        int hidden = RecurrentChecks.Hidden("LstmGatesBackward", gates, 4, cPrev, c, dH, dC);
        ShapeOf.RequireLength("LstmGatesBackward", "dGates", dGates, gates.Length);
        var (vg, vcp, vc, vdh, vdc, vdg) = (View(gates), View(cPrev), View(c), View(dH), View(dC), View(dGates));
        if (c.Length == 0) return;
        lstmBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>>(RecurrentKernels.LstmGatesBackward);
        lstmBackward(Spread(c.Length), vg, vcp, vc, vdh, c.Length, hidden, vdc, vdg);
    }

    public void GruGatesForward(Tensor hPrev, Tensor gx, Tensor gh, Tensor h)
    {
        int hidden = RecurrentChecks.Hidden("GruGatesForward", gx, 3, hPrev, h);
        ShapeOf.RequireLength("GruGatesForward", "gh", gh, gx.Length);
        var (vhp, vgx, vgh, vh) = (View(hPrev), View(gx), View(gh), View(h));
        if (h.Length == 0) return;
        gruForward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>>(RecurrentKernels.GruGatesForward);
        gruForward(Spread(h.Length), vhp, vgx, vgh, h.Length, hidden, vh);
    }

    public void GruGatesBackward(Tensor hPrev, Tensor gates, Tensor gh, Tensor dH, Tensor dGx, Tensor dGh, Tensor dHPrev)
    {
        int hidden = RecurrentChecks.Hidden("GruGatesBackward", gates, 3, hPrev, dH, dHPrev);
        ShapeOf.RequireLength("GruGatesBackward", "gh", gh, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGx", dGx, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGh", dGh, gates.Length);
        var (vhp, vg, vgh, vdh, vdgx, vdgh, vdhp) = (View(hPrev), View(gates), View(gh), View(dH), View(dGx), View(dGh), View(dHPrev));
        if (hPrev.Length == 0) return;
        gruBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(RecurrentKernels.GruGatesBackward);
        gruBackward(Spread(hPrev.Length), vhp, vg, vgh, vdh, hPrev.Length, hidden, vdgx, vdgh, vdhp);
    }
}
