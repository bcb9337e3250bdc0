// A growable device buffer for per-call temporaries (uploaded ids, reduction partials). It is not
// shared between backends and not thread-safe: a backend queues work from one thread.
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

internal sealed class ScratchBuffer<T>(Accelerator accelerator, DeviceWorkCounter work) : IDisposable where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? buffer;

    /// <summary>The first length elements of the buffer, grown (contents dropped) when too small.</summary>
    public ArrayView<T> Take(int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            // Kernels queued earlier may still read the old buffer: let them finish before freeing it.
            accelerator.Synchronize();
            buffer?.Dispose();
            buffer = accelerator.Allocate1D<T>(Math.Max(length, 2 * (buffer?.Length ?? 0)));
        }
        return buffer.View.SubView(0, length);
    }

    /// <summary>Copies values to the device and returns them as a view. The copy waits for earlier work.</summary>
    public ArrayView<T> Upload(ReadOnlySpan<T> values)
    {
        var view = Take(values.Length);
        if (values.Length == 0) return view;
        view.CopyFromCPU(values);
        work.BlockingTransfers++;
        return view;
    }

    public void Dispose() => buffer?.Dispose();
}
