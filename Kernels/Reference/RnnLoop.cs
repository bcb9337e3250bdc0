// RnnLoop and GruLoop: the RNN and GRU time loops written with a backend's own per-step kernels (GEMM,
// bias, activation or gate kernel), one call each per step, as LstmLoop is for the LSTM. They are what
// IBackend.RnnSequence* and GruSequence* mean; the reference backend runs them as they are, and
// the SIMD backend wherever it does not split a loop by batch rows over its cores (SimdBackend.RowSplit),
// which gives the same bits.
namespace Engine.Kernels;

public static class RnnLoop
{
    public static void Forward(IBackend k, Activation f, float slope, Tensor pre, PreparedMatrix recurrentWeights, Tensor h0, Tensor y)
    {
        int steps = pre.Shape[0], batch = h0.Rows;
        for (int t = 0; t < steps; t++)
        {
            k.Gemm(false, batch, 1f, t == 0 ? h0 : y[t - 1], recurrentWeights, 1f, pre[t]);
            k.ActivationForward(f, slope, pre[t], y[t]);
        }
    }

    public static void Backward(IBackend k, Activation f, float slope, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dPre, double[]? norms)
    {
        int steps = y.Shape[0], batch = dH.Rows;
        for (int t = steps - 1; t >= 0; t--)
        {
            if (dY is not null) k.Axpy(1f, dY[t], dH);
            if (norms is not null) norms[t] = Math.Sqrt(k.Dot(dH, dH));
            k.Fill(0f, dPre[t]); // ActivationBackward accumulates
            k.ActivationBackward(f, slope, y[t], dH, dPre[t]);
            k.Gemm(false, batch, 1f, dPre[t], recurrentWeights, 0f, dH);
        }
    }
}

public static class GruLoop
{
    public static void Forward(IBackend k, Tensor gates, Tensor recurrent, Tensor biasHh, PreparedMatrix recurrentWeights, Tensor h0, Tensor y)
    {
        int steps = gates.Shape[0], batch = h0.Rows;
        for (int t = 0; t < steps; t++)
        {
            var hPrev = t == 0 ? h0 : y[t - 1];
            var gh = recurrent[t];
            k.Gemm(false, batch, 1f, hPrev, recurrentWeights, 0f, gh);
            k.AddBias(gh, biasHh, gh);
            k.GruGatesForward(hPrev, gates[t], gh, y[t]);
        }
    }

    public static void Backward(IBackend k, Tensor gates, Tensor recurrent, Tensor h0, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dGx, Tensor dGh, double[]? norms)
    {
        int steps = gates.Shape[0], batch = dH.Rows;
        // dL/dh of the step and of the step before, swapped at every step; the answer ends in dH.
        Tensor current = dH, previous = k.Zeros(dH.Shape);
        for (int t = steps - 1; t >= 0; t--)
        {
            if (dY is not null) k.Axpy(1f, dY[t], current);
            if (norms is not null) norms[t] = Math.Sqrt(k.Dot(current, current));
            k.GruGatesBackward(t == 0 ? h0 : y[t - 1], gates[t], recurrent[t], current, dGx[t], dGh[t], previous);
            k.Gemm(false, batch, 1f, dGh[t], recurrentWeights, 1f, previous);
            (current, previous) = (previous, current);
        }
        if (!ReferenceEquals(current, dH)) k.Copy(current, dH);
    }
}
