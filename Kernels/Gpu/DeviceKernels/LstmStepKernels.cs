// Device kernels of the LSTM time loop, one launch per time step and direction: each thread owns one
// (batch row, hidden unit), forms that unit's share of the recurrent product itself and runs the
// unit's gate math on it, so a step needs neither a separate GEMM nor a bias or dY pass. Each
// product is summed as the tiled GEMM sums that shape (GemmPlan): over each K segment in increasing
// k order from zero, the segment sums then added in order, and combined exactly as the GEMM's
// epilogue does (acc + C), so a sequence matches the step-by-step loop (AddBias, Gemm, gates) bit for
// bit on the CPU accelerator. Not a whole-sequence kernel: the launch boundary is the barrier that
// makes h_{t-1} (or dGates_{t+1}) complete before any unit of step t reads it.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class LstmStepKernels
{
    /// <summary>
    /// One forward step. gates [B, 4H]: in, x W_ih^T; out, the activated gates. Each unit's four
    /// pre-activations are h_{t-1} W_hh^T + (x W_ih^T + bias), then LstmUnitForward writes c and h.
    /// weightsT: W_hh^T [H, 4H] row-major, so neighbouring threads (neighbouring units) read
    /// neighbouring weights. hPrev, cPrev, c, h: [B, H]; bias: [4H]; n = B * H; segment: GemmPlan's K
    /// segment for the product [B, H] x [H, 4H].
    /// </summary>
    public static void Forward(ArrayView<float> hPrev, ArrayView<float> weightsT, ArrayView<float> bias, ArrayView<float> cPrev,
        int n, int hidden, int segment, ArrayView<float> gates, ArrayView<float> c, ArrayView<float> h)
    {
        int width = 4 * hidden;
        for (int k = KernelGeometry.First; k < n; k += KernelGeometry.Stride)
        {
            int b = k / hidden, j = k % hidden;
            int row = b * width + j, from = b * hidden;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int k0 = 0; k0 < hidden; k0 += segment)
            {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int p = k0, end = Math.Min(hidden, k0 + segment); p < end; p++)
                {
                    float x = hPrev[from + p];
                    int w = p * width + j;
                    s0 += x * weightsT[w];
                    s1 += x * weightsT[w + hidden];
                    s2 += x * weightsT[w + 2 * hidden];
                    s3 += x * weightsT[w + 3 * hidden];
                }
                if (k0 == 0) { a0 = s0; a1 = s1; a2 = s2; a3 = s3; }
                else { a0 += s0; a1 += s1; a2 += s2; a3 += s3; }
            }
            gates[row] = a0 + (gates[row] + bias[j]);
            gates[row + hidden] = a1 + (gates[row + hidden] + bias[j + hidden]);
            gates[row + 2 * hidden] = a2 + (gates[row + 2 * hidden] + bias[j + 2 * hidden]);
            gates[row + 3 * hidden] = a3 + (gates[row + 3 * hidden] + bias[j + 3 * hidden]);
            RecurrentKernels.LstmUnitForward(cPrev, gates, k, hidden, c, h);
        }
    }

    /// <summary>
    /// One backward step. dh_t = dGatesNext W_hh (when fromNext != 0; otherwise dH, the gradient after
    /// the last step) + dY_t (when hasDY != 0), then LstmUnitBackward writes dGates and updates dC.
    /// dGatesNext: step t+1's [B, 4H]; weights: W_hh [4H, H] row-major, read by neighbouring units at
    /// neighbouring addresses. gates, dGates: [B, 4H]; cPrev, c, dY, dH, dC: [B, H]; n = B * H; segment:
    /// GemmPlan's K segment for the product [B, 4H] x [4H, H].
    /// dH is read only at the last step; the caller forms dL/dh0 = dGates_0 W_hh after the loop.
    /// </summary>
    public static void Backward(ArrayView<float> dGatesNext, ArrayView<float> weights, int fromNext, ArrayView<float> dY, int hasDY,
        ArrayView<float> gates, ArrayView<float> cPrev, ArrayView<float> c, ArrayView<float> dH, int n, int hidden, int segment,
        ArrayView<float> dC, ArrayView<float> dGates)
    {
        int width = 4 * hidden;
        for (int k = KernelGeometry.First; k < n; k += KernelGeometry.Stride)
        {
            int b = k / hidden, j = k % hidden;
            float dh;
            if (fromNext != 0)
            {
                int from = b * width;
                dh = 0f;
                for (int k0 = 0; k0 < width; k0 += segment)
                {
                    float sum = 0f;
                    for (int p = k0, end = Math.Min(width, k0 + segment); p < end; p++) sum += dGatesNext[from + p] * weights[p * hidden + j];
                    dh = k0 == 0 ? sum : dh + sum;
                }
            }
            else dh = dH[k];
            if (hasDY != 0) dh += 1f * dY[k]; // as Axpy(1, dY_t, dH) adds it
            RecurrentKernels.LstmUnitBackward(gates, cPrev, c, dh, k, hidden, dC, dGates);
        }
    }
}
