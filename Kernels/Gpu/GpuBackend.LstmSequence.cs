// The LSTM time loop on ILGPU: one fused launch per time step and direction (LstmStepKernels), in
// place of the step-by-step loop's AddBias + GEMM + gates forward and Axpy + gates + GEMM backward.
// The results are those of LstmLoop on this backend, bit for bit on the CPU accelerator: the step
// kernels sum each product in the K segments the GEMM would use for it (GemmPlan). A backward
// that records per-step norms runs LstmLoop itself: each norm is a reduction read by the host.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int,
        ArrayView<float>, ArrayView<float>, ArrayView<float>>? lstmStepForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, int, int, int, ArrayView<float>, ArrayView<float>>? lstmStepBackward;

    public void LstmSequenceForward(Tensor gates, Tensor bias, PreparedMatrix recurrentWeights, Tensor h0, Tensor c0, Tensor cells, Tensor y)
    {
        var (steps, hidden) = CheckSequence("LstmSequenceForward", gates, h0, cells);
        ShapeOf.RequireLength("LstmSequenceForward", "y", y, cells.Length);
        RecurrentChecks.Hidden("LstmSequenceForward", h0, 1, c0);
        ShapeOf.RequireLength("LstmSequenceForward", "bias", bias, 4 * hidden);
        var weights = StepWeights("LstmSequenceForward", recurrentWeights, true, hidden, 4 * hidden);
        var (vb, vw) = (View(bias), View(weights));
        int n = h0.Length;
        if (n == 0) return;
        lstmStepForward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int,
            ArrayView<float>, ArrayView<float>, ArrayView<float>>(LstmStepKernels.Forward);
        int segment = GemmPlan.For(h0.Rows, 4 * hidden, hidden).SegmentLength; // as the step loop's product h_{t-1} W_hh^T is summed
        for (int t = 0; t < steps; t++)
            lstmStepForward(Spread(n), View(t == 0 ? h0 : y[t - 1]), vw, vb, View(t == 0 ? c0 : cells[t - 1]), n, hidden, segment,
                View(gates[t]), View(cells[t]), View(y[t]));
    }

    public void LstmSequenceBackward(Tensor gates, Tensor c0, Tensor cells, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dC, Tensor dGates, double[]? norms)
    {
        if (norms is not null)
        {
            LstmLoop.Backward(this, gates, c0, cells, recurrentWeights, dY, dH, dC, dGates, norms);
            return;
        }
        var (steps, hidden) = CheckSequence("LstmSequenceBackward", gates, dH, cells);
        ShapeOf.RequireLength("LstmSequenceBackward", "dGates", dGates, gates.Length);
        RecurrentChecks.Hidden("LstmSequenceBackward", dH, 1, c0, dC);
        if (dY is not null) ShapeOf.RequireLength("LstmSequenceBackward", "dY", dY, cells.Length);
        var weights = StepWeights("LstmSequenceBackward", recurrentWeights, false, 4 * hidden, hidden);
        var (vw, vdh, vdc) = (View(weights), View(dH), View(dC));
        int n = dH.Length;
        if (n == 0 || steps == 0) return;
        lstmStepBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, int, int, ArrayView<float>, ArrayView<float>>(LstmStepKernels.Backward);
        int segment = GemmPlan.For(dH.Rows, hidden, 4 * hidden).SegmentLength; // as the step loop's product dGates_{t+1} W_hh is summed
        for (int t = steps - 1; t >= 0; t--)
        {
            // Unused operands (no next step, no dY) are passed as dH, which the kernel then does not read.
            var next = t == steps - 1 ? vdh : View(dGates[t + 1]);
            lstmStepBackward(Spread(n), next, vw, t == steps - 1 ? 0 : 1, dY is null ? vdh : View(dY[t]), dY is null ? 0 : 1,
                View(gates[t]), View(t == 0 ? c0 : cells[t - 1]), View(cells[t]), vdh, n, hidden, segment, vdc, View(dGates[t]));
        }
        Gemm(false, dH.Rows, 1f, dGates[0], recurrentWeights, 0f, dH);
    }

    /// <summary>T and H of a sequence: gates [T, B, 4H], state [B, H], cells [T, B, H].</summary>
    private static (int Steps, int Hidden) CheckSequence(string op, Tensor gates, Tensor state, Tensor cells)
    {
        if (gates.Rank != 3) throw new ArgumentException($"{op}: gates must be [T, B, 4H], got {ShapeOf.Format(gates.Shape)}");
        int steps = gates.Shape[0];
        int hidden = steps == 0 ? state.Columns : RecurrentChecks.Hidden(op, gates[0], 4, state);
        ShapeOf.RequireLength(op, "cells", cells, steps * state.Length);
        return (steps, hidden);
    }

    /// <summary>op(W) [K, N] row-major from a matrix this backend prepared as the time loop needs it.</summary>
    private Tensor StepWeights(string op, PreparedMatrix weights, bool transposed, int k, int n)
    {
        if (weights is not GpuPreparedMatrix prepared || prepared.Rows.Storage.Owner != this)
            throw new ArgumentException($"{op}: the recurrent weights were not prepared by this '{Name}' backend");
        if (prepared.Transposed != transposed || prepared.K != k || prepared.N != n)
            throw new ArgumentException($"{op}: recurrent weights prepared as [{prepared.K}, {prepared.N}]{(prepared.Transposed ? " transposed" : "")}, " +
                $"expected [{k}, {n}]{(transposed ? " transposed" : "")}");
        return prepared.Rows;
    }
}
