// ReferenceBackend: plain scalar loops, written for clarity, never for speed. It is the truth that
// every faster backend is tested against. Partial files hold the kernel families.
namespace Engine.Kernels;

public partial class ReferenceBackend : IBackend
{
    public virtual string Name => "reference";

    public Storage Allocate(int length) => new HostStorage(this, length);

    public void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"Upload: {source.Length} values for a tensor of {destination.Length} {ShapeOf.Format(destination.Shape)}");
        source.CopyTo(destination.Span());
    }

    public void Download(Tensor source, Span<float> destination)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"Download: tensor of {source.Length} into {destination.Length} values");
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
