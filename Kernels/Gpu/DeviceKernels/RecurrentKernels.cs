// Device kernels of the fused LSTM and GRU gate steps: one thread per (batch row, hidden unit), each
// reading its unit's gates and writing the step's outputs, so a step touches its gate buffer once.
// The equations restate ReferenceBackend.Recurrent expression for expression (tanh from DeviceMath),
// so the CPU accelerator matches the reference to tanh's last bits. Gate order: PyTorch's.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class RecurrentKernels
{
    private static float Sigmoid(float x) => default(SigmoidAct).Forward(x, 0f);

    /// <summary>
    /// LSTM step, gates i, f, g, o. gates [B, 4H]: in, pre-activations; out, activated gates.
    /// c = f * cPrev + i * g, h = o * tanh(c). cPrev, c, h: [B, H]; n = B * H.
    /// </summary>
    public static void LstmGatesForward(ArrayView<float> cPrev, ArrayView<float> gates, int n, int hidden,
        ArrayView<float> c, ArrayView<float> h)
    {
        for (int k = KernelGeometry.First; k < n; k += KernelGeometry.Stride) LstmUnitForward(cPrev, gates, k, hidden, c, h);
    }

    /// <summary>The forward of unit k (batch row k / H, hidden unit k % H): its four gates and its c and h.</summary>
    internal static void LstmUnitForward(ArrayView<float> cPrev, ArrayView<float> gates, int k, int hidden,
        ArrayView<float> c, ArrayView<float> h)
    {
        int row = k / hidden * 4 * hidden + k % hidden;
        float i = Sigmoid(gates[row]);
        float f = Sigmoid(gates[row + hidden]);
        float g = DeviceMath.Tanh(gates[row + 2 * hidden]);
        float o = Sigmoid(gates[row + 3 * hidden]);
        gates[row] = i; gates[row + hidden] = f; gates[row + 2 * hidden] = g; gates[row + 3 * hidden] = o;
        float ck = f * cPrev[k] + i * g;
        c[k] = ck;
        h[k] = o * DeviceMath.Tanh(ck);
    }

    /// <summary>
    /// LSTM step backward. gates: activated [B, 4H]; cPrev, c, dH: [B, H]. dC: in, dL/dc_t; out,
    /// dL/dc_{t-1}. Writes dGates [B, 4H] with respect to the pre-activations.
    /// </summary>
    public static void LstmGatesBackward(ArrayView<float> gates, ArrayView<float> cPrev, ArrayView<float> c,
        ArrayView<float> dH, int n, int hidden, ArrayView<float> dC, ArrayView<float> dGates)
    {
        for (int k = KernelGeometry.First; k < n; k += KernelGeometry.Stride) LstmUnitBackward(gates, cPrev, c, dH[k], k, hidden, dC, dGates);
    }

    /// <summary>The backward of unit k given dh = dL/dh_t for it: its four gate gradients and dL/dc_{t-1}.</summary>
    internal static void LstmUnitBackward(ArrayView<float> gates, ArrayView<float> cPrev, ArrayView<float> c, float dh,
        int k, int hidden, ArrayView<float> dC, ArrayView<float> dGates)
    {
        int row = k / hidden * 4 * hidden + k % hidden;
        float i = gates[row], f = gates[row + hidden], g = gates[row + 2 * hidden], o = gates[row + 3 * hidden];
        float tc = DeviceMath.Tanh(c[k]);
        // h = o tanh(c): dO = dh tanh(c); dc += dh o (1 - tanh^2 c). Then c = f cPrev + i g.
        float dc = dC[k] + dh * o * (1f - tc * tc);
        dGates[row] = dc * g * i * (1f - i);
        dGates[row + hidden] = dc * cPrev[k] * f * (1f - f);
        dGates[row + 2 * hidden] = dc * i * (1f - g * g);
        dGates[row + 3 * hidden] = dh * tc * o * (1f - o);
        dC[k] = dc * f;
    }

    /// <summary>
    /// GRU step, gates r, z, n. gx [B, 3H]: in, x W_ih^T + b_ih; out, activated r, z, n. gh [B, 3H]:
    /// h W_hh^T + b_hh. h = (1 - z) * n + z * hPrev. hPrev, h: [B, H]; count = B * H.
    /// </summary>
    public static void GruGatesForward(ArrayView<float> hPrev, ArrayView<float> gx, ArrayView<float> gh, int count, int hidden,
        ArrayView<float> h)
    {
        for (int k = KernelGeometry.First; k < count; k += KernelGeometry.Stride)
        {
            int row = k / hidden * 3 * hidden + k % hidden;
            float r = Sigmoid(gx[row] + gh[row]);
            float z = Sigmoid(gx[row + hidden] + gh[row + hidden]);
            float n = DeviceMath.Tanh(gx[row + 2 * hidden] + r * gh[row + 2 * hidden]);
            gx[row] = r; gx[row + hidden] = z; gx[row + 2 * hidden] = n;
            h[k] = (1f - z) * n + z * hPrev[k];
        }
    }

    /// <summary>
    /// GRU step backward. gates: activated r, z, n [B, 3H]; gh: h W_hh^T + b_hh; dH: dL/dh_t [B, H].
    /// Writes dGx and dGh [B, 3H] (pre-activation gradients of gx and gh) and dHPrev = z * dH [B, H].
    /// </summary>
    public static void GruGatesBackward(ArrayView<float> hPrev, ArrayView<float> gates, ArrayView<float> gh, ArrayView<float> dH,
        int count, int hidden, ArrayView<float> dGx, ArrayView<float> dGh, ArrayView<float> dHPrev)
    {
        for (int k = KernelGeometry.First; k < count; k += KernelGeometry.Stride)
        {
            int row = k / hidden * 3 * hidden + k % hidden;
            float r = gates[row], z = gates[row + hidden], n = gates[row + 2 * hidden];
            float dh = dH[k];
            float dn = dh * (1f - z);                               // h = (1 - z) n + z hPrev
            float dzPre = dh * (hPrev[k] - n) * z * (1f - z);
            float dnPre = dn * (1f - n * n);                        // n = tanh(gx_n + r gh_n)
            float drPre = dnPre * gh[row + 2 * hidden] * r * (1f - r);
            dGx[row] = drPre; dGx[row + hidden] = dzPre; dGx[row + 2 * hidden] = dnPre;
            dGh[row] = drPre; dGh[row + hidden] = dzPre; dGh[row + 2 * hidden] = dnPre * r;
            dHPrev[k] = dh * z;
        }
    }
}
