// RecurrentStack: Layers cells of one kind, layer k feeding layer k+1, as PyTorch's nn.RNN / nn.LSTM /
// nn.GRU. The whole stack over the whole sequence is ONE op of the autodiff graph: the forward runs
// every layer's time loop, and one recorded backward runs backpropagation through time top-down.
using Engine.Models.Cells;

namespace Engine.Models;

/// <summary>Layers recurrent cells of one kind over a whole sequence, as one op of the autodiff graph.</summary>
public sealed class RecurrentStack
{
    private readonly RecurrentCell[] cells;
    private readonly Parameter[] parameters;

    /// <summary>The stack's shape.</summary>
    public RecurrentConfig Config { get; }

    /// <summary>Parameter names start with this, e.g. "lstm." (empty for a bare stack, as the cell fixtures use).</summary>
    public string Prefix { get; }

    /// <summary>The stack over parameters already in store (see Specs), named with prefix.</summary>
    public RecurrentStack(RecurrentConfig config, ParameterStore store, string prefix = "")
    {
        config.Validate();
        Config = config;
        Prefix = prefix;
        cells = new RecurrentCell[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            int input = l == 0 ? config.InputSize : config.HiddenSize;
            cells[l] = config.Cell switch
            {
                CellKind.RnnTanh => new RnnCell(store, prefix, l, input, config.HiddenSize, Activation.Tanh),
                CellKind.RnnRelu => new RnnCell(store, prefix, l, input, config.HiddenSize, Activation.Relu),
                CellKind.Lstm => new LstmCell(store, prefix, l, input, config.HiddenSize),
                CellKind.Gru => new GruCell(store, prefix, l, input, config.HiddenSize),
                _ => throw new UnhandledKindException(config.Cell),
            };
        }
        parameters = Specs(config, prefix).Select(s => store[s.Name]).ToArray();
    }

    /// <summary>Parameters of every layer, grouped per layer as "{prefix}l{k}" (the unit of per-layer clipping).</summary>
    public static IEnumerable<ParameterSpec> Specs(RecurrentConfig config, string prefix = "")
    {
        config.Validate();
        for (int l = 0; l < config.Layers; l++)
            foreach (var spec in RecurrentCell.Specs(prefix, $"{prefix}l{l}", l, l == 0 ? config.InputSize : config.HiddenSize,
                         config.HiddenSize, config.Cell.Gates()))
                yield return spec;
    }

    /// <summary>
    /// x: [T, B, I]; h0 (and c0 for LSTM): [L, B, H]. Returns y [T, B, H] of the top layer and the final
    /// states [L, B, H]. With a probe, backward records ||dL/dh_t|| for every layer and step.
    /// </summary>
    public RecurrentResult Forward(Graph graph, Var x, Var h0, Var? c0 = null, HiddenGradientNorms? probe = null)
    {
        int steps = CheckShapes(x, h0, c0);
        int batch = x.Shape[1], hidden = Config.HiddenSize, layers = Config.Layers;
        bool lstm = Config.Cell.HasCellState();
        bool tracked = graph.Tracks([x, h0, .. c0 is null ? Array.Empty<Var>() : [c0], .. parameters.Select(p => p.Var)]);

        var y = graph.Output([steps, batch, hidden], tracked);
        var hn = graph.Output([layers, batch, hidden], tracked);
        var cn = lstm ? graph.Output([layers, batch, hidden], tracked) : null;
        var outputs = new Tensor[layers];
        var inputs = new SequenceInputs[layers];
        var passes = new SequencePass[layers];
        for (int l = 0; l < layers; l++)
        {
            outputs[l] = l == layers - 1 ? y.Value : graph.Scratch([steps, batch, hidden], zeroed: false);
            // The initial states are copied so that callers may overwrite their state tensors (the
            // carry of truncated BPTT) before backward runs.
            var hStart = graph.Scratch([batch, hidden], zeroed: false);
            graph.Backend.Copy(h0.Value[l], hStart);
            Tensor? cStart = null;
            if (lstm)
            {
                cStart = graph.Scratch([batch, hidden], zeroed: false);
                graph.Backend.Copy(c0!.Value[l], cStart);
            }
            inputs[l] = new SequenceInputs(l == 0 ? x.Value : outputs[l - 1], hStart, cStart, outputs[l], hn.Value[l], cn?.Value[l]);
            passes[l] = cells[l].Forward(graph, inputs[l]);
        }

        if (tracked)
            graph.Record(() =>
            {
                Tensor? dY = y.Grad;
                for (int l = layers - 1; l >= 0; l--)
                {
                    Tensor? dX = l > 0 ? graph.Scratch(inputs[l].X.Shape, zeroed: true)
                        : x.RequiresGrad ? graph.GradOf(x) : null;
                    var grads = new SequenceGradients(
                        dY, hn.Grad?[l], cn?.Grad?[l], dX,
                        h0.RequiresGrad ? graph.GradOf(h0)[l] : null,
                        c0 is { RequiresGrad: true } ? graph.GradOf(c0)[l] : null,
                        probe?.Values[l]);
                    passes[l].Backward(grads);
                    dY = dX;
                }
            });
        return new RecurrentResult(y, hn, cn);
    }

    private int CheckShapes(Var x, Var h0, Var? c0)
    {
        if (x.Value.Rank != 3 || x.Shape[2] != Config.InputSize || x.Shape[0] == 0)
            throw new ArgumentException($"{Config.Cell.Name()} stack: input {ShapeOf.Format(x.Shape)} is not [T>0, B, {Config.InputSize}]");
        int[] state = [Config.Layers, x.Shape[1], Config.HiddenSize];
        if (!ShapeOf.Same(h0.Shape, state))
            throw new ArgumentException($"{Config.Cell.Name()} stack: h0 {ShapeOf.Format(h0.Shape)} is not {ShapeOf.Format(state)}");
        if (Config.Cell.HasCellState() && (c0 is null || !ShapeOf.Same(c0.Shape, state)))
            throw new ArgumentException($"{Config.Cell.Name()} stack: c0 {(c0 is null ? "is missing" : ShapeOf.Format(c0.Shape))}, expected {ShapeOf.Format(state)}");
        return x.Shape[0];
    }
}
