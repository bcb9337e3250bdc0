// HostStorage: storage in managed memory, shared by the CPU backends (reference and SIMD). Storage of
// 16K floats or more starts on a 64-byte boundary (a pinned array, AlignedFloats): the GEMMs read their
// operands in place, and a 512-bit load from an unaligned row straddles two cache lines. Smaller
// storage (a step's state, biases) is an ordinary array, which the GC may move.
namespace Engine.Kernels;

public sealed class HostStorage : Storage
{
    private const int AlignedFrom = 1 << 14;

    private readonly IBackend owner;
    private readonly int length;

    /// <summary>The floats; element i of the storage is Data[Start + i].</summary>
    public float[] Data { get; }
    public int Start { get; }

    public HostStorage(IBackend owner, int length)
    {
        this.owner = owner;
        this.length = length;
        if (length < AlignedFrom) Data = new float[length];
        else
        {
            var aligned = new AlignedFloats(length);
            (Data, Start) = (aligned.Array, aligned.Start);
        }
    }

    public override int Length => length;
    public override IBackend Owner => owner;
}

/// <summary>Span access to host tensors, with a clear error when a tensor lives on another backend.</summary>
public static class HostSpans
{
    public static Span<float> Span(this Tensor t)
    {
        var host = Host(t);
        return host.Data.AsSpan(host.Start + t.Offset, t.Length);
    }

    /// <summary>The array behind a host tensor; the tensor's first element is at offset.</summary>
    public static float[] Array(this Tensor t, out int offset)
    {
        var host = Host(t);
        offset = host.Start + t.Offset;
        return host.Data;
    }

    private static HostStorage Host(Tensor t) => t.Storage as HostStorage
        ?? throw new ArgumentException($"tensor {t} lives on backend '{t.Storage.Owner.Name}', not in host memory");
}
