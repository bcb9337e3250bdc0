// ReferenceBackend: plain scalar loops, written for clarity, never for speed. It is the truth that
// every faster backend is tested against. Partial files hold the kernel families.
namespace Engine.Kernels;

public partial class ReferenceBackend : IBackend
{
    public virtual string Name => "reference";

    public Storage Allocate(int length) => new HostStorage(this, length);

    public void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        HostCopies.Check("Upload", source.Length, destination);
        source.CopyTo(destination.Span());
    }

    public void Download(Tensor source, Span<float> destination)
    {
        HostCopies.Check("Download", destination.Length, source);
        source.Span().CopyTo(destination);
    }

    public void Copy(Tensor source, Tensor destination)
    {
        ShapeOf.RequireLength("Copy", "destination", destination, source.Length);
        source.Span().CopyTo(destination.Span());
    }

    public virtual void Fill(float value, Tensor destination) => destination.Span().Fill(value);

    public void Synchronize() { }

    public void Dispose() { }
}

/// <summary>The length check of a copy between host values and a host tensor, shared by the CPU backends.</summary>
public static class HostCopies
{
    public static void Check(string op, int values, Tensor tensor)
    {
        if (values != tensor.Length)
            throw new ArgumentException($"{op}: {values} values for a tensor of {tensor.Length} {ShapeOf.Format(tensor.Shape)}");
    }
}
