// SequenceModel: real-valued inputs [T, B, I] -> stacked recurrent cells -> Linear(H -> O) read at the
// last step or at every step. The synthetic tasks (adding, temporal order, memorization) use it; the
// caller chooses the loss (mean squared error or cross-entropy).
namespace Engine.Models;

/// <summary>The shape of a sequence model.</summary>
/// <param name="Cell">The recurrent cell.</param>
/// <param name="Input">Input features I per step.</param>
/// <param name="Hidden">Hidden units per layer H.</param>
/// <param name="Layers">Stacked layers L.</param>
/// <param name="Output">Outputs O of the head.</param>
/// <param name="HeadAtEveryStep">Whether the head reads every step ([T, B, O]) or only the last ([B, O]).</param>
public sealed record SequenceModelConfig(CellKind Cell, int Input, int Hidden, int Layers, int Output, bool HeadAtEveryStep)
{
    /// <summary>The rnn-leaky cell's slope for negative inputs.</summary>
    public float LeakySlope { get; init; } = CellKinds.DefaultLeakySlope;

    /// <summary>Between the layers; Features.Dropout also drops the head's input.</summary>
    public StackFeatures Features { get; init; } = StackFeatures.None;

    /// <summary>The recurrent stack's settings.</summary>
    public RecurrentConfig Recurrent => new(Cell, Input, Hidden, Layers) { LeakySlope = LeakySlope, Features = Features };
}

/// <summary>Real-valued sequences through a recurrent stack and a linear head.</summary>
public sealed class SequenceModel
{
    private readonly Parameter headWeight, headBias;

    /// <summary>Its shape.</summary>
    public SequenceModelConfig Config { get; }
    /// <summary>The recurrent layers.</summary>
    public RecurrentStack Stack { get; }

    /// <summary>The model over parameters already in store (see Specs).</summary>
    public SequenceModel(SequenceModelConfig config, ParameterStore store)
    {
        if (config.Output <= 0) throw new ArgumentException($"output size must be positive, got {config.Output}");
        Config = config;
        Stack = new RecurrentStack(config.Recurrent, store, config.Cell.ModuleName() + ".");
        headWeight = store["head.weight"];
        headBias = store["head.bias"];
    }

    /// <summary>The parameters of a model of this shape, for building its store.</summary>
    public static IEnumerable<ParameterSpec> Specs(SequenceModelConfig config) =>
    [
        .. RecurrentStack.Specs(config.Recurrent, config.Cell.ModuleName() + "."),
        new("head.weight", [config.Output, config.Hidden], "head"),
        new("head.bias", [config.Output], "head"),
    ];

    /// <summary>Outputs [B, O] (last step) or [T*B, O] (every step), from zero initial states. Dropout only with masks (training).</summary>
    public Var Forward(Graph graph, Var x, HiddenGradientNorms? probe = null, DropoutMasks? masks = null)
    {
        int steps = x.Shape[0], batch = x.Shape[1];
        var state = RecurrentState.Zeros(graph.Backend, Config.Recurrent, batch);
        var h0 = graph.Constant(state.H);
        var c0 = state.C is null ? null : graph.Constant(state.C);
        var y = Stack.Forward(graph, x, h0, c0, probe, masks).Y;
        var read = Config.HeadAtEveryStep
            ? graph.Reshape(y, steps * batch, Config.Hidden)
            : graph.Reshape(graph.SliceRows(y, steps - 1, 1), batch, Config.Hidden);
        if (masks?.Draw(graph, Config.Features.Dropout, read.Shape) is { } mask) read = graph.Dropout(read, mask);
        return graph.Linear(read, headWeight.Var, headBias.Var);
    }
}
