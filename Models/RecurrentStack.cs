// RecurrentStack: Layers cells of one kind, layer k feeding layer k+1, as PyTorch's nn.RNN / nn.LSTM /
// nn.GRU, with the optional StackFeatures between the layers (dropout, residual connections, layer
// normalisation). The whole stack over the whole sequence is ONE op of the autodiff graph: the
// forward runs every layer's time loop, and one recorded backward runs backpropagation through time
// top-down.
using Engine.Models.Cells;

namespace Engine.Models;

/// <summary>Layers recurrent cells of one kind over a whole sequence, as one op of the autodiff graph.</summary>
public sealed class RecurrentStack
{
    private readonly RecurrentCell[] cells;
    private readonly Parameter[] parameters;
    private readonly Parameter[] normWeights, normBiases;

    /// <summary>The stack's shape.</summary>
    public RecurrentConfig Config { get; }

    /// <summary>Parameter names start with this, e.g. "lstm." (empty for a bare stack, as the cell fixtures use).</summary>
    public string Prefix { get; }

    /// <summary>The layer norms' parameter names, as an nn.ModuleList of nn.LayerNorm called layer_norm: layer_norm.{l}.weight / .bias.</summary>
    public const string LayerNormPrefix = "layer_norm.";

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
                CellKind.RnnLeaky => new RnnCell(store, prefix, l, input, config.HiddenSize, Activation.LeakyRelu, config.LeakySlope),
                CellKind.Lstm => new LstmCell(store, prefix, l, input, config.HiddenSize),
                CellKind.Gru => new GruCell(store, prefix, l, input, config.HiddenSize),
                _ => throw new UnhandledKindException(config.Cell),
            };
        }
        bool norm = config.Features.LayerNorm;
        normWeights = norm ? Enumerable.Range(0, config.Layers).Select(l => store[$"{LayerNormPrefix}{l}.weight"]).ToArray() : [];
        normBiases = norm ? Enumerable.Range(0, config.Layers).Select(l => store[$"{LayerNormPrefix}{l}.bias"]).ToArray() : [];
        parameters = Specs(config, prefix).Select(s => store[s.Name]).ToArray();
    }

    /// <summary>
    /// Parameters of every layer, grouped per layer as "{prefix}l{k}" (the unit of per-layer clipping);
    /// a layer's norm, when there is one, is in its layer's group.
    /// </summary>
    public static IEnumerable<ParameterSpec> Specs(RecurrentConfig config, string prefix = "")
    {
        config.Validate();
        for (int l = 0; l < config.Layers; l++)
            foreach (var spec in RecurrentCell.Specs(prefix, $"{prefix}l{l}", l, l == 0 ? config.InputSize : config.HiddenSize,
                         config.HiddenSize, config.Cell.Gates()))
                yield return spec;
        if (config.Features.LayerNorm)
            for (int l = 0; l < config.Layers; l++)
            {
                yield return new($"{LayerNormPrefix}{l}.weight", [config.HiddenSize], $"{prefix}l{l}");
                yield return new($"{LayerNormPrefix}{l}.bias", [config.HiddenSize], $"{prefix}l{l}");
            }
    }

    /// <summary>
    /// x: [T, B, I]; h0 (and c0 for LSTM): [L, B, H]. Returns y [T, B, H] of the top layer (after its
    /// norm, when there is one) and the final states [L, B, H]. With a probe, backward records
    /// ||dL/dh_t|| for every layer and step. With masks (training), dropout is applied between layers;
    /// without (evaluation), it is not.
    /// </summary>
    public RecurrentResult Forward(Graph graph, Var x, Var h0, Var? c0 = null, HiddenGradientNorms? probe = null, DropoutMasks? masks = null)
    {
        int steps = CheckShapes(x, h0, c0);
        int batch = x.Shape[1], hidden = Config.HiddenSize, layers = Config.Layers;
        var features = Config.Features;
        bool lstm = Config.Cell.HasCellState();
        bool tracked = graph.Tracks([x, h0, .. c0 is null ? Array.Empty<Var>() : [c0], .. parameters.Select(p => p.Var)]);

        var y = graph.Output([steps, batch, hidden], tracked);
        var hn = graph.Output([layers, batch, hidden], tracked);
        var cn = lstm ? graph.Output([layers, batch, hidden], tracked) : null;
        var states = new Tensor[layers];      // h_l [T, B, H]
        var outputs = new Tensor[layers];     // o_l = LayerNorm_l(h_l), or h_l itself
        var norms = new (Tensor Mean, Tensor Rstd)[features.LayerNorm ? layers : 0];
        var dropMasks = new Tensor?[layers];  // the mask applied to o_l (+ x_l) to make x_{l+1}
        var inputs = new SequenceInputs[layers];
        var passes = new SequencePass[layers];
        var layerInput = x.Value;
        for (int l = 0; l < layers; l++)
        {
            bool top = l == layers - 1;
            states[l] = top && !features.LayerNorm ? y.Value : graph.Scratch([steps, batch, hidden], zeroed: false);
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
            inputs[l] = new SequenceInputs(layerInput, hStart, cStart, states[l], hn.Value[l], cn?.Value[l]);
            passes[l] = cells[l].Forward(graph, inputs[l]);

            outputs[l] = states[l];
            if (features.LayerNorm)
            {
                outputs[l] = top ? y.Value : graph.Scratch([steps, batch, hidden], zeroed: false);
                norms[l] = (graph.Scratch([steps * batch], zeroed: false), graph.Scratch([steps * batch], zeroed: false));
                graph.Backend.LayerNormForward(states[l], normWeights[l].Value, normBiases[l].Value, Graph.LayerNormEps, outputs[l], norms[l].Mean, norms[l].Rstd);
            }
            if (top) break;
            dropMasks[l] = masks?.Draw(graph, features.Dropout, [steps, batch, hidden]);
            layerInput = NextInput(graph, outputs[l], layerInput, features.Residual, dropMasks[l]);
        }

        if (tracked)
            graph.Record(() =>
            {
                // dOut: dL/do_l; residual: the part of dL/dx_l that skips layer l (dL/dx_{l+1} before the dropout's mask, when residual).
                Tensor? dOut = y.Grad, residual = null;
                for (int l = layers - 1; l >= 0; l--)
                {
                    Tensor? dState = dOut;
                    if (features.LayerNorm && dOut is not null)
                    {
                        dState = graph.Scratch(states[l].Shape, zeroed: true);
                        graph.Backend.LayerNormBackward(states[l], normWeights[l].Value, norms[l].Mean, norms[l].Rstd, dOut,
                            dState, graph.GradOf(normWeights[l].Var), graph.GradOf(normBiases[l].Var));
                    }
                    Tensor? dX = l > 0 ? graph.Scratch(inputs[l].X.Shape, zeroed: true)
                        : x.RequiresGrad ? graph.GradOf(x) : null;
                    if (residual is not null && dX is not null) graph.Backend.Axpy(1f, residual, dX);
                    var grads = new SequenceGradients(
                        dState, hn.Grad?[l], cn?.Grad?[l], dX,
                        h0.RequiresGrad ? graph.GradOf(h0)[l] : null,
                        c0 is { RequiresGrad: true } ? graph.GradOf(c0)[l] : null,
                        probe?.Values[l]);
                    passes[l].Backward(grads);
                    if (l == 0) break;
                    // dX is dL/dx_l, x_l = dropout(o_{l-1} (+ x_{l-1})): through the mask to dL/do_{l-1}.
                    if (dropMasks[l - 1] is { } mask) graph.Backend.Mul(dX!, mask, dX!);
                    dOut = dX;
                    residual = features.Residual ? dX : null;
                }
            }, op: "RecurrentStack");
        return new RecurrentResult(y, hn, cn);
    }

    /// <summary>x_{l+1} = mask * (o_l + x_l), each part only when asked; o_l itself when neither is.</summary>
    private static Tensor NextInput(Graph graph, Tensor output, Tensor input, bool residual, Tensor? mask)
    {
        if (!residual && mask is null) return output;
        var next = graph.Scratch(output.Shape, zeroed: false);
        if (residual) graph.Backend.Add(output, input, next); else graph.Backend.Copy(output, next);
        if (mask is not null) graph.Backend.Mul(next, mask, next);
        return next;
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
