// CharLanguageModel: Embedding(V, E) -> stacked recurrent cells -> Linear(H -> V) -> mean softmax
// cross-entropy over T*B, with PyTorch's names (embedding.weight, lstm.weight_ih_l0, ..., head.weight,
// head.bias) so checkpoints load into the equivalent PyTorch module. Dropout (when configured and
// given masks) acts on the embedding's output, between the layers and on the head's input.
namespace Engine.Models;

/// <summary>The shape of a character language model.</summary>
/// <param name="Cell">The recurrent cell.</param>
/// <param name="Vocabulary">Characters V.</param>
/// <param name="Embedding">Embedding width E.</param>
/// <param name="Hidden">Hidden units per layer H.</param>
/// <param name="Layers">Stacked layers L.</param>
public sealed record CharLmConfig(CellKind Cell, int Vocabulary, int Embedding, int Hidden, int Layers)
{
    /// <summary>The rnn-leaky cell's slope for negative inputs.</summary>
    public float LeakySlope { get; init; } = CellKinds.DefaultLeakySlope;

    /// <summary>Between the layers; Features.Dropout also drops the head's input (PyTorch's usual dropout before the output layer).</summary>
    public StackFeatures Features { get; init; } = StackFeatures.None;

    /// <summary>Probability of zeroing a unit of the embedding's output.</summary>
    public float EmbeddingDropout { get; init; }

    /// <summary>The recurrent stack's settings.</summary>
    public RecurrentConfig Recurrent => new(Cell, Embedding, Hidden, Layers) { LeakySlope = LeakySlope, Features = Features };

    /// <summary>Checks every size; the first problem is reported in one line.</summary>
    public void Validate()
    {
        StackFeatures.CheckProbability("embedding dropout", EmbeddingDropout);
        if (Vocabulary <= 0) throw new ArgumentException($"vocabulary size must be positive, got {Vocabulary}");
        if (Embedding <= 0) throw new ArgumentException($"embedding size must be positive, got {Embedding}");
        Recurrent.Validate();
    }
}

/// <summary>Logits [T*B, V]; the mean cross-entropy when targets were given; the final states to carry.</summary>
public sealed record CharLmOutput(Var Logits, Var? Loss, RecurrentResult Recurrent);

/// <summary>A character language model over a parameter store: embedding, recurrent stack, linear head.</summary>
public sealed class CharLanguageModel
{
    private readonly Parameter embedding, headWeight, headBias;

    /// <summary>Its shape.</summary>
    public CharLmConfig Config { get; }
    /// <summary>The recurrent layers.</summary>
    public RecurrentStack Stack { get; }

    /// <summary>The model over parameters already in store (see Specs).</summary>
    public CharLanguageModel(CharLmConfig config, ParameterStore store)
    {
        config.Validate();
        Config = config;
        embedding = store["embedding.weight"];
        Stack = new RecurrentStack(config.Recurrent, store, config.Cell.ModuleName() + ".");
        headWeight = store["head.weight"];
        headBias = store["head.bias"];
    }

    /// <summary>The parameters of a model of this shape, with PyTorch's names, for building its store.</summary>
    public static IEnumerable<ParameterSpec> Specs(CharLmConfig config)
    {
        config.Validate();
        return
        [
            new("embedding.weight", [config.Vocabulary, config.Embedding], "embedding"),
            .. RecurrentStack.Specs(config.Recurrent, config.Cell.ModuleName() + "."),
            new("head.weight", [config.Vocabulary, config.Hidden], "head"),
            new("head.bias", [config.Vocabulary], "head"),
        ];
    }

    /// <summary>Runs a chunk from a carried state (no gradient flows into the state).</summary>
    public CharLmOutput Forward(Graph graph, int[] tokens, int steps, RecurrentState state, int[]? targets = null, HiddenGradientNorms? probe = null, DropoutMasks? masks = null)
        => Forward(graph, tokens, steps, graph.Constant(state.H), state.C is null ? null : graph.Constant(state.C), targets, probe, masks);

    /// <summary>tokens and targets: [T*B] time-major (index t*B + b); h0, c0: [L, B, H]. Dropout only with masks (training).</summary>
    public CharLmOutput Forward(Graph graph, int[] tokens, int steps, Var h0, Var? c0, int[]? targets = null, HiddenGradientNorms? probe = null, DropoutMasks? masks = null)
    {
        if (steps <= 0 || tokens.Length % steps != 0)
            throw new ArgumentException($"{tokens.Length} tokens do not split into {steps} time steps");
        int batch = tokens.Length / steps;
        // Masks are drawn in a fixed order (embedding, between the layers, head), so a seed fixes them all.
        var embedded = Drop(graph, masks, Config.EmbeddingDropout, graph.Reshape(graph.Embedding(embedding.Var, tokens), steps, batch, Config.Embedding));
        var recurrent = Stack.Forward(graph, embedded, h0, c0, probe, masks);
        var top = Drop(graph, masks, Config.Features.Dropout, graph.Reshape(recurrent.Y, steps * batch, Config.Hidden));
        var logits = graph.Linear(top, headWeight.Var, headBias.Var);
        var loss = targets is null ? null : graph.SoftmaxCrossEntropy(logits, targets);
        return new CharLmOutput(logits, loss, recurrent);
    }

    private static Var Drop(Graph graph, DropoutMasks? masks, float p, Var x)
        => masks?.Draw(graph, p, x.Shape) is { } mask ? graph.Dropout(x, mask) : x;
}
