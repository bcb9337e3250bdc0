// RecurrentState: the hidden (and LSTM cell) state carried from one chunk of a sequence to the next
// in truncated BPTT. It is plain memory, detached from any graph: the next chunk starts from its
// values and no gradient crosses the boundary.
namespace Engine.Models;

/// <summary>The state carried between chunks of truncated BPTT, detached from any graph.</summary>
public sealed class RecurrentState
{
    /// <summary>[L, B, H]</summary>
    public Tensor H { get; }

    /// <summary>[L, B, H] for LSTM, otherwise null.</summary>
    public Tensor? C { get; }

    private RecurrentState(Tensor h, Tensor? c) { H = h; C = c; }

    /// <summary>A zero state for a stack of this shape and batch.</summary>
    public static RecurrentState Zeros(IBackend backend, RecurrentConfig config, int batch)
    {
        int[] shape = [config.Layers, batch, config.HiddenSize];
        return new RecurrentState(backend.Zeros(shape), config.Cell.HasCellState() ? backend.Zeros(shape) : null);
    }

    /// <summary>Copies the final states of a forward pass (the detach of truncated BPTT).</summary>
    public void CarryFrom(RecurrentResult result)
    {
        H.Backend.Copy(result.Hn.Value, H);
        if (C is not null) H.Backend.Copy(result.Cn!.Value, C);
    }

    /// <summary>Back to zeros (the streams wrapped to their start).</summary>
    public void Reset()
    {
        H.Backend.Fill(0f, H);
        if (C is not null) H.Backend.Fill(0f, C);
    }
}

/// <summary>What a stack returns: outputs of the top layer [T, B, H] and final states [L, B, H].</summary>
public sealed record RecurrentResult(Var Y, Var Hn, Var? Cn);
