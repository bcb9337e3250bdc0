// SimdBackend: the CPU backend used for real work. Every kernel of IBackend is its own: vectorised
// (TensorPrimitives where it covers the op, hand-written Vector256/512 code where it does not), split
// over the cores for large buffers, and tested against ReferenceBackend on every kernel. It does not
// inherit the reference: a kernel it lacked would not compile, instead of running scalar code. Where
// this CPU lacks the instructions a kernel is written for (FMA and AVX for the GEMM, 512-bit vectors
// for the LSTM gates), that kernel calls the reference by name (`scalar`), and nowhere else.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public sealed partial class SimdBackend : IBackend
{
    public string Name => "cpu";

    /// <summary>The scalar kernels, for the CPUs that lack a kernel's instructions (see the header); named at every use.</summary>
    private readonly ReferenceBackend scalar = new();

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

    public void Synchronize() { }

    public void Dispose() { }

    /// <summary>Buffers shorter than this are processed by one thread: the hand-off would cost more than it saves.</summary>
    private const int ParallelLength = 1 << 16;

    /// <summary>
    /// Runs body(start, end) over [0, length) in two 16-aligned halves, on both cores when the buffer is
    /// long enough (through Cores rather than Parallel.Invoke, which woke a sleeping pool thread at
    /// every call). One core streams a buffer of a few MB out of L3 at about half of what two do. The
    /// halves are fixed by the length, not by the threads.
    /// </summary>
    private static void Halves(int length, Action<int, int> body)
    {
        if (length < ParallelLength)
        {
            body(0, length);
            return;
        }
        int half = length / 2 / 16 * 16;
        Cores.For(2, part =>
        {
            if (part == 0) body(0, half);
            else body(half, length);
        });
    }

    public void Fill(float value, Tensor destination) => Halves(destination.Length, (s, e) => destination.Span()[s..e].Fill(value));

    public void Add(Tensor a, Tensor b, Tensor y)
    {
        PointwiseChecks.Same("Add", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.Add(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e]));
    }

    public void Sub(Tensor a, Tensor b, Tensor y)
    {
        PointwiseChecks.Same("Sub", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.Subtract(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e]));
    }

    public void Mul(Tensor a, Tensor b, Tensor y)
    {
        PointwiseChecks.Same("Mul", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.Multiply(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e]));
    }

    public void MulAccumulate(Tensor a, Tensor b, Tensor y)
    {
        PointwiseChecks.Same("MulAccumulate", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.FusedMultiplyAdd(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e], y.Span()[s..e]));
    }

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        ShapeOf.RequireLength("Axpy", "y", y, x.Length);
        Halves(y.Length, (s, e) => TensorPrimitives.FusedMultiplyAdd(x.Span()[s..e], alpha, y.Span()[s..e], y.Span()[s..e]));
    }
}
