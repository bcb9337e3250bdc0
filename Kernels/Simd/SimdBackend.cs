// SimdBackend: the CPU backend used for real work. It overrides the reference kernels with
// vectorised ones (TensorPrimitives where it covers the op, hand-written Vector256/512 code where
// it does not) and is tested against ReferenceBackend on every kernel.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public partial class SimdBackend : ReferenceBackend
{
    public override string Name => "cpu";

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

    public override void Fill(float value, Tensor destination) => Halves(destination.Length, (s, e) => destination.Span()[s..e].Fill(value));

    public override void Add(Tensor a, Tensor b, Tensor y)
    {
        Check3("Add", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.Add(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e]));
    }

    public override void Sub(Tensor a, Tensor b, Tensor y)
    {
        Check3("Sub", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.Subtract(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e]));
    }

    public override void Mul(Tensor a, Tensor b, Tensor y)
    {
        Check3("Mul", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.Multiply(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e]));
    }

    public override void MulAccumulate(Tensor a, Tensor b, Tensor y)
    {
        Check3("MulAccumulate", a, b, y);
        Halves(y.Length, (s, e) => TensorPrimitives.FusedMultiplyAdd(a.Span()[s..e], b.Span()[s..e], y.Span()[s..e], y.Span()[s..e]));
    }

    public override void Axpy(float alpha, Tensor x, Tensor y)
    {
        ShapeOf.RequireLength("Axpy", "y", y, x.Length);
        Halves(y.Length, (s, e) => TensorPrimitives.FusedMultiplyAdd(x.Span()[s..e], alpha, y.Span()[s..e], y.Span()[s..e]));
    }
}
