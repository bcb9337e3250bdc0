// StackFeatures: what runs between the layers of a recurrent stack, each off by default (PyTorch's
// plain nn.LSTM): dropout on the inputs of every layer above the first, residual connections and
// layer normalisation of each layer's output. The order for layer l with input x_l and states h_l:
//   o_l = LayerNorm_l(h_l) (or h_l),  x_{l+1} = dropout(o_l + x_l) (or dropout(o_l)),  y = o_{L-1}.
namespace Engine.Models;

/// <summary>What runs between the layers of a recurrent stack.</summary>
public sealed record StackFeatures
{
    /// <summary>Nothing between the layers.</summary>
    public static readonly StackFeatures None = new();

    /// <summary>Probability of zeroing a unit of a layer's input (layers above the first), as nn.LSTM(dropout=P).</summary>
    public float Dropout { get; init; }

    /// <summary>The input of layer l+1 is h_l + x_l (every layer of equal width).</summary>
    public bool Residual { get; init; }

    /// <summary>Each layer's output is normalised by nn.LayerNorm(H) with its own weight and bias.</summary>
    public bool LayerNorm { get; init; }

    /// <summary>Refuses a dropout probability outside [0, 1) in one line.</summary>
    public void Validate() => CheckProbability("dropout", Dropout);

    /// <summary>A dropout probability must lie in [0, 1): 1 would drop every unit.</summary>
    public static void CheckProbability(string what, float p)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"{what} must be a probability in [0, 1), got {p}");
    }
}
