// Fused element-wise gate kernels of the recurrent cells: one launch per time step forward and one
// backward, so a step touches its gate buffer once. (The RNN cell needs none: its step is one
// activation.) These kernels WRITE their gradient outputs for the step (they do not accumulate):
// each step's scratch is fresh, and accumulation over steps happens in the weight-gradient GEMMs.
// Every cell's whole time loop is a kernel too (as in cuDNN and oneDNN), so that a backend may run a
// sequence's steps without handing every one of them to the cores anew: the rows of a batch never meet
// inside a loop, so a CPU backend may give each core its own rows for the whole sequence (the SIMD
// backend does from batch 2 up). However a backend splits the work, each result must be the same bits
// whatever the number of cores, and the same as its step loop (RnnLoop, GruLoop, LstmLoop) gives,
// except where a fused loop documents its own order of sums.
namespace Engine;

public partial interface IBackend
{
    /// <summary>
    /// LSTM step, gate order i, f, g, o (PyTorch). gates [B, 4H]: in, the pre-activations
    /// x W_ih^T + b_ih + h W_hh^T + b_hh; out, the activated gates sigma(i), sigma(f), tanh(g), sigma(o).
    /// c = f * cPrev + i * g and h = o * tanh(c), both [B, H].
    /// </summary>
    void LstmGatesForward(Tensor cPrev, Tensor gates, Tensor c, Tensor h);

    /// <summary>
    /// LSTM step backward. gates: the activated gates of the step [B, 4H]; cPrev, c: [B, H]; dH: total
    /// dL/dh_t [B, H]. dC: in, dL/dc_t arriving from step t+1; out, dL/dc_{t-1}. Writes dGates [B, 4H],
    /// the gradient with respect to the gate PRE-activations.
    /// </summary>
    void LstmGatesBackward(Tensor gates, Tensor cPrev, Tensor c, Tensor dH, Tensor dC, Tensor dGates);

    /// <summary>
    /// GRU step, gate order r, z, n (PyTorch). gx [B, 3H]: in, x W_ih^T + b_ih; out, the activated
    /// r, z, n. gh [B, 3H]: h W_hh^T + b_hh (read only). r = sigma(gx_r + gh_r), z = sigma(gx_z + gh_z),
    /// n = tanh(gx_n + r * gh_n), h = (1 - z) * n + z * hPrev.
    /// </summary>
    void GruGatesForward(Tensor hPrev, Tensor gx, Tensor gh, Tensor h);

    /// <summary>
    /// GRU step backward. gates: activated r, z, n [B, 3H]; gh: the step's h W_hh^T + b_hh; dH: total
    /// dL/dh_t. Writes dGx [B, 3H] (gradient of gx's pre-activations), dGh [B, 3H] (of gh), and
    /// dHPrev [B, H] = the direct part z * dH (the caller adds dGh W_hh).
    /// </summary>
    void GruGatesBackward(Tensor hPrev, Tensor gates, Tensor gh, Tensor dH, Tensor dGx, Tensor dGh, Tensor dHPrev);

    /// <summary>
    /// LSTM forward over a sequence, step by step for t = 0 .. T-1: gates[t] += bias, then gates[t] +=
    /// h_{t-1} W_hh^T, then LstmGatesForward(c_{t-1}, gates[t], cells[t], y[t]), with h_{-1} = h0 and
    /// c_{-1} = c0. gates [T, B, 4H]: in, x W_ih^T; out, the activated gates. bias [4H]: b_ih + b_hh,
    /// summed once by the caller. recurrentWeights: W_hh prepared with transB (Prepare(W_hh, true, H, 4H)).
    /// cells, y: [T, B, H].
    /// </summary>
    void LstmSequenceForward(Tensor gates, Tensor bias, PreparedMatrix recurrentWeights, Tensor h0, Tensor c0, Tensor cells, Tensor y);

    /// <summary>
    /// LSTM backward over a sequence, for t = T-1 .. 0: dH += dY[t] (when dY is given), norms[t] =
    /// ||dH|| (when given), LstmGatesBackward(gates[t], c_{t-1}, cells[t], dH, dC, dGates[t]), then
    /// dH = dGates[t] W_hh. recurrentWeights: W_hh prepared without transB (Prepare(W_hh, false, 4H, H)).
    /// dH, dC [B, H]: in, dL/dh and dL/dc after the last step; out, dL/dh0 and dL/dc0.
    /// </summary>
    void LstmSequenceBackward(Tensor gates, Tensor c0, Tensor cells, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dC, Tensor dGates, double[]? norms);

    /// <summary>
    /// RNN forward over a sequence, for t = 0 .. T-1: pre[t] += h_{t-1} W_hh^T, then y[t] = f(pre[t])
    /// (ActivationForward with the slope), with h_{-1} = h0. pre [T, B, H]: in, x W_ih^T + b_ih + b_hh;
    /// out, the pre-activations. recurrentWeights: W_hh prepared with transB (Prepare(W_hh, true, H, H)).
    /// </summary>
    void RnnSequenceForward(Activation f, float slope, Tensor pre, PreparedMatrix recurrentWeights, Tensor h0, Tensor y);

    /// <summary>
    /// RNN backward over a sequence, for t = T-1 .. 0: dH += dY[t] (when dY is given), norms[t] = ||dH||
    /// (when given), dPre[t] = dH * f'(y[t]) (written), then dH = dPre[t] W_hh. recurrentWeights: W_hh
    /// prepared without transB (Prepare(W_hh, false, H, H)). dH [B, H]: in, dL/dh after the last step;
    /// out, dL/dh0.
    /// </summary>
    void RnnSequenceBackward(Activation f, float slope, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dPre, double[]? norms);

    /// <summary>
    /// GRU forward over a sequence, for t = 0 .. T-1: recurrent[t] = h_{t-1} W_hh^T + b_hh (written),
    /// then GruGatesForward(h_{t-1}, gates[t], recurrent[t], y[t]), with h_{-1} = h0. gates [T, B, 3H]:
    /// in, x W_ih^T + b_ih; out, the activated r, z, n. recurrentWeights: Prepare(W_hh, true, H, 3H).
    /// </summary>
    void GruSequenceForward(Tensor gates, Tensor recurrent, Tensor biasHh, PreparedMatrix recurrentWeights, Tensor h0, Tensor y);

    /// <summary>
    /// GRU backward over a sequence, for t = T-1 .. 0: dH += dY[t] (when given), norms[t] = ||dH|| (when
    /// given), GruGatesBackward(h_{t-1}, gates[t], recurrent[t], dH, dGx[t], dGh[t], direct), then
    /// dH = direct + dGh[t] W_hh. recurrentWeights: Prepare(W_hh, false, 3H, H). dH [B, H]: in, dL/dh
    /// after the last step; out, dL/dh0. dGx, dGh [T, B, 3H]: written.
    /// </summary>
    void GruSequenceBackward(Tensor gates, Tensor recurrent, Tensor h0, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dGx, Tensor dGh, double[]? norms);
}
