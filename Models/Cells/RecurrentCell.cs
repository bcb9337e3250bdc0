// RecurrentCell: what the RNN, LSTM and GRU cells share: their four PyTorch parameters, the input
// projection of all time steps in one GEMM, and the weight gradients accumulated by one GEMM over
// all steps. Each cell adds its own time loop (forward and backward) in its own file.
namespace Engine.Models.Cells;

/// <summary>The inputs of one layer's pass over a sequence. x: [T, B, I]; h0, c0: [B, H]; outputs y: [T, B, H], hn, cn: [B, H].</summary>
public sealed record SequenceInputs(Tensor X, Tensor H0, Tensor? C0, Tensor Y, Tensor Hn, Tensor? Cn);

/// <summary>
/// The gradients arriving at one layer: dY [T, B, H] (null when nothing uses y), dHn, dCn [B, H]
/// (null when unused). The layer accumulates into dX [T, B, I], dH0, dC0 when they are given, and
/// writes ||dL/dh_t|| into norms when given.
/// </summary>
public sealed record SequenceGradients(Tensor? DY, Tensor? DHn, Tensor? DCn, Tensor? DX, Tensor? DH0, Tensor? DC0, double[]? Norms);

/// <summary>One layer's forward pass over a sequence, holding what its backward needs.</summary>
public abstract class SequencePass
{
    public abstract void Backward(SequenceGradients grads);
}

public abstract class RecurrentCell
{
    protected readonly IBackend K;
    protected readonly Parameter WeightIh, WeightHh, BiasIh, BiasHh;
    public int InputSize { get; }
    public int HiddenSize { get; }
    public int Gates { get; }

    protected RecurrentCell(ParameterStore store, string prefix, int layer, int inputSize, int hiddenSize, int gates)
    {
        K = store.Backend;
        WeightIh = store[$"{prefix}weight_ih_l{layer}"];
        WeightHh = store[$"{prefix}weight_hh_l{layer}"];
        BiasIh = store[$"{prefix}bias_ih_l{layer}"];
        BiasHh = store[$"{prefix}bias_hh_l{layer}"];
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Gates = gates;
    }

    /// <summary>PyTorch's parameters of layer k: weight_ih [G, in], weight_hh [G, H], bias_ih [G], bias_hh [G].</summary>
    public static IEnumerable<ParameterSpec> Specs(string prefix, string group, int layer, int inputSize, int hiddenSize, int gates) =>
    [
        new($"{prefix}weight_ih_l{layer}", [gates * hiddenSize, inputSize], group),
        new($"{prefix}weight_hh_l{layer}", [gates * hiddenSize, hiddenSize], group),
        new($"{prefix}bias_ih_l{layer}", [gates * hiddenSize], group),
        new($"{prefix}bias_hh_l{layer}", [gates * hiddenSize], group),
    ];

    /// <summary>Runs the layer over the whole sequence; the returned pass runs the backward.</summary>
    public abstract SequencePass Forward(Graph graph, SequenceInputs inputs);

    /// <summary>gates[T*B, G] = x[T*B, I] W_ih^T + b_ih (+ b_hh when the cell folds it in): one GEMM for every step.</summary>
    protected void ProjectInputs(Tensor x, Tensor gates, bool withRecurrentBias)
    {
        ProjectInputsWithoutBiases(x, gates);
        K.AddBias(gates, BiasIh.Value, gates);
        if (withRecurrentBias) K.AddBias(gates, BiasHh.Value, gates);
    }

    /// <summary>gates[T*B, G] = x[T*B, I] W_ih^T, the biases left to the caller (the LSTM sums b_ih + b_hh, and its time loop adds the sum step by step).</summary>
    protected void ProjectInputsWithoutBiases(Tensor x, Tensor gates)
        => K.Gemm(false, true, x.Length / InputSize, Gates * HiddenSize, InputSize, 1f, x, WeightIh.Value, 0f, gates);

    // W_hh prepared once per pass for the per-step products (W_hh^T forward, W_hh backward), recycled between passes.
    private PreparedMatrix? forwardWeights, backwardWeights;

    /// <summary>W_hh^T ready for the forward time loop: call once per pass, before the loop.</summary>
    protected PreparedMatrix PrepareForward()
        => forwardWeights = K.Prepare(WeightHh.Value, transB: true, HiddenSize, Gates * HiddenSize, forwardWeights);

    /// <summary>W_hh ready for the backward time loop: call once per pass, before the loop.</summary>
    protected PreparedMatrix PrepareBackward()
        => backwardWeights = K.Prepare(WeightHh.Value, transB: false, Gates * HiddenSize, HiddenSize, backwardWeights);

    /// <summary>
    /// The weight gradients of the whole sequence, each one GEMM over all steps:
    /// dW_ih += dGx^T x, db_ih += colsum dGx, dW_hh += dGh^T hPrev (hPrev = [h0, y_0 .. y_{T-2}]),
    /// db_hh += colsum dGh, and dX += dGx W_ih. For RNN and LSTM dGx and dGh are the same tensor.
    /// A weight gradient that ZeroGrad left pending is overwritten by its GEMM instead (beta 0).
    /// </summary>
    protected void AccumulateSequenceGradients(Graph graph, SequenceInputs inputs, Tensor dGx, Tensor dGh, Tensor? dX)
    {
        int steps = inputs.X.Shape[0];
        int batch = inputs.H0.Length / HiddenSize;
        int g = Gates * HiddenSize, rows = steps * batch;
        var dWih = graph.GradForProduct(WeightIh.Var, out float beta);
        K.Gemm(true, false, g, InputSize, rows, 1f, dGx, inputs.X, beta, dWih);
        AccumulateBiasGradients(graph, dGx, dGh);
        // hPrev is h0 for step 0 and y_{t-1} after it. A GEMM of depth B reads and writes all of dW_hh
        // [G, H], so when the states [T * B, H] are the smaller (small batches: 64 KB against 1 MB at
        // T = 64, B = 1, H = 256) they are copied together for one GEMM; otherwise h0 gets a GEMM of its own.
        // (The gradient checks take both ways: the RNN's G = H is below T * B there, the gated cells' above.)
        var dWhh = graph.GradForProduct(WeightHh.Var, out beta);
        if (steps > 1 && rows < g)
        {
            var hPrev = graph.Scratch(inputs.Y.Shape, zeroed: false);
            K.Copy(inputs.H0, hPrev[0]);
            K.Copy(inputs.Y.Slice(0, steps - 1), hPrev.Slice(1, steps - 1));
            K.Gemm(true, false, g, HiddenSize, rows, 1f, dGh, hPrev, beta, dWhh);
        }
        else
        {
            K.Gemm(true, false, g, HiddenSize, batch, 1f, dGh.Slice(0, 1), inputs.H0, beta, dWhh);
            if (steps > 1)
                K.Gemm(true, false, g, HiddenSize, rows - batch, 1f, dGh.Slice(1, steps - 1), inputs.Y.Slice(0, steps - 1), 1f, dWhh);
        }
        if (dX is not null) K.Gemm(false, false, rows, InputSize, g, 1f, dGx, WeightIh.Value, 1f, dX);
    }

    /// <summary>
    /// db_ih += colsum dGx, db_hh += colsum dGh. When dGx and dGh are one tensor (RNN, LSTM) the sums are
    /// the same: one pass over [T * B, G] (16 MB at T = 128, B = 16, H = 512) into a scratch, added to both.
    /// </summary>
    private void AccumulateBiasGradients(Graph graph, Tensor dGx, Tensor dGh)
    {
        if (!ReferenceEquals(dGx, dGh))
        {
            K.BiasBackward(dGx, BiasIh.Grad);
            K.BiasBackward(dGh, BiasHh.Grad);
            return;
        }
        var sums = graph.Scratch([Gates * HiddenSize], zeroed: true);
        K.BiasBackward(dGx, sums);
        K.Axpy(1f, sums, BiasIh.Grad);
        K.Axpy(1f, sums, BiasHh.Grad);
    }

    /// <summary>dH starts as dL/dh_n (or zero) before the backward loop.</summary>
    protected void StartFrom(Tensor? final, Tensor dState)
    {
        if (final is null) K.Fill(0f, dState); else K.Copy(final, dState);
    }
}
