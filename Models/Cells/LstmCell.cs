// LstmCell: PyTorch's nn.LSTM cell, gates i, f, g, o:
//   c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).
// Caches: the activated gates of every step [T, B, 4H] and the cell states [T, B, H].
namespace Engine.Models.Cells;

public sealed class LstmCell : RecurrentCell
{
    public LstmCell(ParameterStore store, string prefix, int layer, int inputSize, int hiddenSize)
        : base(store, prefix, layer, inputSize, hiddenSize, gates: 4) { }

    public override SequencePass Forward(Graph graph, SequenceInputs inputs) => new Pass(this, graph, inputs);

    private sealed class Pass : SequencePass
    {
        private readonly LstmCell cell;
        private readonly Graph graph;
        private readonly SequenceInputs inputs;
        private readonly Tensor gates;      // [T, B, 4H] activated i, f, g, o
        private readonly Tensor cells;      // [T, B, H]

        // Forward: gates = x W_ih^T for all steps in one GEMM, then the backend's time loop adds the bias
        // b_ih + b_hh (summed once here) and h W_hh^T step by step and runs the gate kernel. The bias goes
        // in step by step, so that the step's gates are in cache for the product that follows, instead of
        // a pass over all of [T, B, 4H]. Adding b_ih and b_hh one after the other took two passes per
        // step, 3.9% of the LSTM 128/16 step (profiled by kernel); the summed bias takes one.
        public Pass(LstmCell cell, Graph graph, SequenceInputs inputs)
        {
            (this.cell, this.graph, this.inputs) = (cell, graph, inputs);
            var K = cell.K;
            int steps = inputs.X.Shape[0], batch = inputs.H0.Rows, hidden = cell.HiddenSize;
            gates = graph.Scratch([steps, batch, 4 * hidden], zeroed: false);
            cells = graph.Scratch([steps, batch, hidden], zeroed: false);
            var weights = cell.PrepareForward();
            cell.ProjectInputsWithoutBiases(inputs.X, gates);
            var bias = graph.Scratch([4 * hidden], zeroed: false);
            K.Add(cell.BiasIh.Value, cell.BiasHh.Value, bias);
            K.LstmSequenceForward(gates, bias, weights, inputs.H0, inputs.C0!, cells, inputs.Y);
            K.Copy(inputs.Y[steps - 1], inputs.Hn);
            K.Copy(cells[steps - 1], inputs.Cn!);
        }

        // Backward: dh_t = dy_t + dgates_{t+1} W_hh; the gate kernel turns (dh_t, dc_t) into dgates_t and dc_{t-1}.
        public override void Backward(SequenceGradients grads)
        {
            var K = cell.K;
            var dGates = graph.Scratch(gates.Shape, zeroed: false);    // [T, B, 4H]
            var dH = graph.Scratch(inputs.H0.Shape, zeroed: false);     // [B, H]
            var dC = graph.Scratch(inputs.H0.Shape, zeroed: false);     // [B, H]
            var weights = cell.PrepareBackward();
            cell.StartFrom(grads.DHn, dH);
            cell.StartFrom(grads.DCn, dC);
            K.LstmSequenceBackward(gates, inputs.C0!, cells, weights, grads.DY, dH, dC, dGates, grads.Norms);
            if (grads.DH0 is not null) K.Axpy(1f, dH, grads.DH0);
            if (grads.DC0 is not null) K.Axpy(1f, dC, grads.DC0);
            cell.AccumulateSequenceGradients(graph, inputs, dGates, dGates, grads.DX);
        }
    }
}
