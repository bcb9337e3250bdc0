// The recurrent cell families and their sizes, with the PyTorch module names used as parameter prefixes.
namespace Engine.Models;

/// <summary>The recurrent cells, as PyTorch's nn.RNN (tanh or relu), nn.LSTM and nn.GRU.</summary>
public enum CellKind
{
    /// <summary>Elman RNN, h' = tanh(W_ih x + b_ih + W_hh h + b_hh): `rnn-tanh`.</summary>
    RnnTanh,
    /// <summary>Elman RNN with relu: `rnn-relu`.</summary>
    RnnRelu,
    /// <summary>LSTM (gates i, f, g, o), with a cell state: `lstm`.</summary>
    Lstm,
    /// <summary>GRU (gates r, z, n): `gru`.</summary>
    Gru,
    /// <summary>Elman RNN with the leaky ReLU, leaky(v) = v for v >= 0 and slope * v otherwise: `rnn-leaky[:SLOPE]`.</summary>
    RnnLeaky,
}

/// <summary>Each cell kind's sizes and names.</summary>
public static class CellKinds
{
    /// <summary>Gate blocks per weight matrix: W_ih is [Gates * H, in].</summary>
    public static int Gates(this CellKind cell) => cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        CellKind.RnnTanh or CellKind.RnnRelu or CellKind.RnnLeaky => 1,
        _ => throw new UnhandledKindException(cell),
    };

    /// <summary>PyTorch's module name for the stack: nn.LSTM -> "lstm", nn.GRU -> "gru", nn.RNN -> "rnn".</summary>
    public static string ModuleName(this CellKind cell) => cell switch
    {
        CellKind.Lstm => "lstm",
        CellKind.Gru => "gru",
        CellKind.RnnTanh or CellKind.RnnRelu or CellKind.RnnLeaky => "rnn",
        _ => throw new UnhandledKindException(cell),
    };

    /// <summary>Whether the cell carries a cell state c beside h (LSTM only).</summary>
    public static bool HasCellState(this CellKind cell) => cell switch
    {
        CellKind.Lstm => true,
        CellKind.RnnTanh or CellKind.RnnRelu or CellKind.RnnLeaky or CellKind.Gru => false,
        _ => throw new UnhandledKindException(cell),
    };

    /// <summary>The leaky ReLU's negative-side slope when a name gives none (rnn-leaky).</summary>
    public const float DefaultLeakySlope = 0.2f;

    /// <summary>Command-line names: rnn-tanh, rnn-relu, rnn-leaky[:SLOPE], lstm, gru.</summary>
    public static CellKind Parse(string name) => name switch
    {
        _ when name == "rnn-leaky" || name.StartsWith("rnn-leaky:", StringComparison.Ordinal) => CellKind.RnnLeaky,
        "rnn-tanh" or "rnn" or "rnn_tanh" => CellKind.RnnTanh,
        "rnn-relu" or "rnn_relu" => CellKind.RnnRelu,
        "lstm" => CellKind.Lstm,
        "gru" => CellKind.Gru,
        _ => throw new ArgumentException($"unknown cell '{name}'; choose one of: rnn-tanh, rnn-relu, rnn-leaky[:SLOPE], lstm, gru"),
    };

    /// <summary>The slope a cell name gives: SLOPE of rnn-leaky:SLOPE, DefaultLeakySlope for a bare rnn-leaky (and for the other cells, which ignore it).</summary>
    public static float LeakySlope(string name)
    {
        int colon = name.IndexOf(':');
        if (Parse(name) != CellKind.RnnLeaky || colon < 0) return DefaultLeakySlope;
        string text = name[(colon + 1)..];
        if (!float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float slope)
            || !float.IsFinite(slope) || slope < 0f || slope >= 1f)
            throw new ArgumentException($"cell '{name}': the leaky slope must be a number in [0, 1), got '{text}'");
        return slope;
    }

    /// <summary>The command-line name: rnn-tanh, rnn-relu, lstm or gru.</summary>
    public static string Name(this CellKind cell) => cell switch
    {
        CellKind.RnnTanh => "rnn-tanh",
        CellKind.RnnRelu => "rnn-relu",
        CellKind.Lstm => "lstm",
        CellKind.RnnLeaky => "rnn-leaky",
        CellKind.Gru => "gru",
        _ => throw new UnhandledKindException(cell),
    };
}

/// <summary>
/// A stack of Layers cells of one kind; layer 0 reads InputSize features, the others HiddenSize.
/// LeakySlope is the rnn-leaky cell's negative-side slope; Features are what runs between the layers.
/// </summary>
public sealed record RecurrentConfig(CellKind Cell, int InputSize, int HiddenSize, int Layers)
{
    /// <summary>The rnn-leaky cell's slope for negative inputs.</summary>
    public float LeakySlope { get; init; } = CellKinds.DefaultLeakySlope;

    /// <summary>What runs between the layers (dropout, residual connections, layer norm).</summary>
    public StackFeatures Features { get; init; } = StackFeatures.None;

    /// <summary>Checks every size; the first problem is reported in one line.</summary>
    public void Validate()
    {
        if (!(LeakySlope >= 0f && LeakySlope < 1f)) throw new ArgumentException($"the leaky slope must be in [0, 1), got {LeakySlope}");
        Features.Validate();
        if (Features.Residual && Layers > 1 && InputSize != HiddenSize)
            throw new ArgumentException($"residual connections need layers of equal width: the input is {InputSize} wide and the hidden layers {HiddenSize} (set the embedding or input width to {HiddenSize})");
        if (InputSize <= 0) throw new ArgumentException($"input size must be positive, got {InputSize}");
        if (HiddenSize <= 0) throw new ArgumentException($"hidden size must be positive, got {HiddenSize}");
        if (Layers <= 0) throw new ArgumentException($"layers must be positive, got {Layers}");
    }
}
