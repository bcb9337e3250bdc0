// HostStorage: storage in ordinary managed memory, shared by the CPU backends (reference and SIMD).
namespace Engine.Kernels;

public sealed class HostStorage : Storage
{
    public float[] Data { get; }
    private readonly IBackend owner;

    public HostStorage(IBackend owner, int length)
    {
        this.owner = owner;
        Data = new float[length];
    }

    public override int Length => Data.Length;
    public override IBackend Owner => owner;
}

/// <summary>Span access to host tensors, with a clear error when a tensor lives on another backend.</summary>
public static class HostSpans
{
    public static Span<float> Span(this Tensor t)
    {
        if (t.Storage is not HostStorage host)
            throw new ArgumentException($"tensor {t} lives on backend '{t.Storage.Owner.Name}', not in host memory");
        return host.Data.AsSpan(t.Offset, t.Length);
    }

    public static float[] Array(this Tensor t, out int offset)
    {
        if (t.Storage is not HostStorage host)
            throw new ArgumentException($"tensor {t} lives on backend '{t.Storage.Owner.Name}', not in host memory");
        offset = t.Offset;
        return host.Data;
    }
}
