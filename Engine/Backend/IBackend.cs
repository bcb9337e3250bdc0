// The kernel interface: everything the engine and the models ask of a device, and nothing else.
// Implementations live in Kernels/ (scalar reference = the truth, CPU SIMD, ILGPU). The backend is
// always passed explicitly; there is no global "current backend".
//
// Conventions for every kernel (stated once, here):
//  - Argument order: sources -> scalars -> destinations.
//  - Tensors are contiguous row-major views; a "[R, C]" comment is the logical matrix shape.
//  - Names: dX is dL/dX. Kernels whose name ends in "Backward", or that say "accumulates", ADD into
//    their destination (+=); zeroing is always an explicit Fill(0).
//  - Shape legend: T time steps, B batch, I input width, H hidden width, G = gates*H, V vocabulary,
//    E embedding width, N = T*B rows.
//  - Reductions run in a fixed order, so results are bit-identical from run to run.
//
// The interface is split into partial files by family (memory, linear algebra, pointwise, losses,
// recurrent gates, clipping, optimizers) so each family can be read on its own.
namespace Engine;

public partial interface IBackend : IDisposable
{
    /// <summary>Short name used on the command line and in reports: "reference", "cpu", "ilgpu-cpu", "cuda".</summary>
    string Name { get; }

    /// <summary>Zero-filled storage of the given number of floats.</summary>
    Storage Allocate(int length);

    /// <summary>Copies host values into the tensor (lengths must match).</summary>
    void Upload(ReadOnlySpan<float> source, Tensor destination);

    /// <summary>Copies the tensor's values to the host.</summary>
    void Download(Tensor source, Span<float> destination);

    /// <summary>destination = source (same length).</summary>
    void Copy(Tensor source, Tensor destination);

    /// <summary>Every element of destination = value.</summary>
    void Fill(float value, Tensor destination);

    /// <summary>Waits until every queued kernel has finished (a no-op on the CPU).</summary>
    void Synchronize();
}

public static class BackendExtensions
{
    public static Tensor Zeros(this IBackend backend, params int[] shape)
        => new(backend.Allocate(ShapeOf.Numel(shape)), 0, shape);

    public static Tensor FromArray(this IBackend backend, float[] values, params int[] shape)
    {
        var t = backend.Zeros(shape);
        ShapeOf.RequireLength("FromArray", "values", t, values.Length);
        backend.Upload(values, t);
        return t;
    }

    public static float[] Download(this IBackend backend, Tensor source)
    {
        var host = new float[source.Length];
        backend.Download(source, host);
        return host;
    }
}
