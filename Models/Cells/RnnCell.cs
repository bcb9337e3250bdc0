// RnnCell: PyTorch's nn.RNN cell, h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh, relu
// or the leaky ReLU (v for v >= 0, slope * v otherwise; PyTorch's nn.RNN has no such nonlinearity).
// Caches: the outputs y (which are the states h_t; every f' used is a function of them).
namespace Engine.Models.Cells;

public sealed class RnnCell : RecurrentCell
{
    private readonly Activation activation;
    private readonly float slope;

    /// <param name="store">The parameters, where the cell's weights are registered.</param>
    /// <param name="prefix">The PyTorch module name ("rnn").</param>
    /// <param name="layer">The layer index l of the names weight_ih_l{l} ...</param>
    /// <param name="inputSize">The input width.</param>
    /// <param name="hiddenSize">The hidden width.</param>
    /// <param name="activation">tanh, ReLU or leaky ReLU.</param>
    /// <param name="slope">The negative-side slope of Activation.LeakyRelu (ignored by the others).</param>
    public RnnCell(ParameterStore store, string prefix, int layer, int inputSize, int hiddenSize, Activation activation, float slope = 0f)
        : base(store, prefix, layer, inputSize, hiddenSize, gates: 1) => (this.activation, this.slope) = (activation, slope);

    public override SequencePass Forward(Graph graph, SequenceInputs inputs) => new Pass(this, graph, inputs);

    private sealed class Pass : SequencePass
    {
        private readonly RnnCell cell;
        private readonly Graph graph;
        private readonly SequenceInputs inputs;

        // Forward: pre[t] = x_t W_ih^T + b_ih + b_hh (all steps at once), then the backend's time loop adds
        // h_{t-1} W_hh^T and applies act, step by step.
        public Pass(RnnCell cell, Graph graph, SequenceInputs inputs)
        {
            (this.cell, this.graph, this.inputs) = (cell, graph, inputs);
            var K = cell.K;
            int steps = inputs.X.Shape[0];
            var pre = graph.Scratch([steps, inputs.H0.Rows, cell.HiddenSize], zeroed: false); // [T, B, H]
            var weights = cell.PrepareForward();
            cell.ProjectInputs(inputs.X, pre, withRecurrentBias: true);
            K.RnnSequenceForward(cell.activation, cell.slope, pre, weights, inputs.H0, inputs.Y);
            K.Copy(inputs.Y[steps - 1], inputs.Hn);
        }

        // Backward: dh_t = dy_t + dpre_{t+1} W_hh; dpre_t = dh_t * act'(y_t), in the backend's time loop.
        public override void Backward(SequenceGradients grads)
        {
            var K = cell.K;
            var dPre = graph.Scratch(inputs.Y.Shape, zeroed: false); // [T, B, H]
            var dH = graph.Scratch(inputs.H0.Shape, zeroed: false);  // [B, H]
            var weights = cell.PrepareBackward();
            cell.StartFrom(grads.DHn, dH);
            K.RnnSequenceBackward(cell.activation, cell.slope, inputs.Y, weights, grads.DY, dH, dPre, grads.Norms);
            if (grads.DH0 is not null) K.Axpy(1f, dH, grads.DH0);
            cell.AccumulateSequenceGradients(graph, inputs, dPre, dPre, grads.DX);
        }
    }
}
