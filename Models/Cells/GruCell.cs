// GruCell: PyTorch's nn.GRU cell, gates r, z, n:
//   r = sigma(W_ir x + b_ir + W_hr h + b_hr), z = sigma(W_iz x + b_iz + W_hz h + b_hz),
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
// b_hn sits inside r * (...), so the input and recurrent halves are kept apart.
// Caches: the activated gates [T, B, 3H] and each step's recurrent half h W_hh^T + b_hh [T, B, 3H].
namespace Engine.Models.Cells;

public sealed class GruCell : RecurrentCell
{
    public GruCell(ParameterStore store, string prefix, int layer, int inputSize, int hiddenSize)
        : base(store, prefix, layer, inputSize, hiddenSize, gates: 3) { }

    public override SequencePass Forward(Graph graph, SequenceInputs inputs) => new Pass(this, graph, inputs);

    private sealed class Pass : SequencePass
    {
        private readonly GruCell cell;
        private readonly Graph graph;
        private readonly SequenceInputs inputs;
        private readonly Tensor gates;      // [T, B, 3H]: x W_ih^T + b_ih, then activated r, z, n
        private readonly Tensor recurrent;  // [T, B, 3H]: h_{t-1} W_hh^T + b_hh

        public Pass(GruCell cell, Graph graph, SequenceInputs inputs)
        {
            (this.cell, this.graph, this.inputs) = (cell, graph, inputs);
            var K = cell.K;
            int steps = inputs.X.Shape[0], batch = inputs.H0.Rows, hidden = cell.HiddenSize;
            gates = graph.Scratch([steps, batch, 3 * hidden], zeroed: false);
            recurrent = graph.Scratch([steps, batch, 3 * hidden], zeroed: false);
            var weights = cell.PrepareForward();
            cell.ProjectInputs(inputs.X, gates, withRecurrentBias: false);
            K.GruSequenceForward(gates, recurrent, cell.BiasHh.Value, weights, inputs.H0, inputs.Y);
            K.Copy(inputs.Y[steps - 1], inputs.Hn);
        }

        // Backward: the fused kernel gives the input-half and recurrent-half gate gradients and z * dh;
        // dh_{t-1} = z * dh_t + dGh_t W_hh (+ dy_{t-1}), in the backend's time loop.
        public override void Backward(SequenceGradients grads)
        {
            var K = cell.K;
            var dGx = graph.Scratch(gates.Shape, zeroed: false);   // [T, B, 3H]
            var dGh = graph.Scratch(gates.Shape, zeroed: false);   // [T, B, 3H]
            var dH = graph.Scratch(inputs.H0.Shape, zeroed: false); // [B, H]
            var weights = cell.PrepareBackward();
            cell.StartFrom(grads.DHn, dH);
            K.GruSequenceBackward(gates, recurrent, inputs.H0, inputs.Y, weights, grads.DY, dH, dGx, dGh, grads.Norms);
            if (grads.DH0 is not null) K.Axpy(1f, dH, grads.DH0);
            cell.AccumulateSequenceGradients(graph, inputs, dGx, dGh, grads.DX);
        }
    }
}
