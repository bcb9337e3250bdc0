// LstmLoop: the LSTM time loop written with a backend's own per-step kernels (bias, GEMM, gate
// kernel), one call each per step. It is what IBackend.LstmSequenceForward/Backward mean; the
// reference and GPU backends run it as it is, and the SIMD backend runs it wherever its fused loop
// does not apply.
namespace Engine.Kernels;

public static class LstmLoop
{
    public static void Forward(IBackend k, Tensor gates, Tensor bias, PreparedMatrix recurrentWeights, Tensor h0, Tensor c0, Tensor cells, Tensor y)
    {
        int steps = gates.Shape[0], batch = h0.Rows;
        for (int t = 0; t < steps; t++)
        {
            var g = gates[t];
            k.AddBias(g, bias, g);
            k.Gemm(false, batch, 1f, t == 0 ? h0 : y[t - 1], recurrentWeights, 1f, g);
            k.LstmGatesForward(t == 0 ? c0 : cells[t - 1], g, cells[t], y[t]);
        }
    }

    public static void Backward(IBackend k, Tensor gates, Tensor c0, Tensor cells, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dC, Tensor dGates, double[]? norms)
    {
        int steps = gates.Shape[0], batch = dH.Rows;
        for (int t = steps - 1; t >= 0; t--)
        {
            if (dY is not null) k.Axpy(1f, dY[t], dH);
            if (norms is not null) norms[t] = Math.Sqrt(k.Dot(dH, dH));
            var dG = dGates[t];
            k.LstmGatesBackward(gates[t], t == 0 ? c0 : cells[t - 1], cells[t], dH, dC, dG);
            k.Gemm(false, batch, 1f, dG, recurrentWeights, 0f, dH);
        }
    }
}
