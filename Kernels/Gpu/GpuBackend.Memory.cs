// Memory family on ILGPU: allocation, host transfers and device copies through views at tensor
// offsets; only Fill needs a kernel.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, int, float>? fill;

    public Storage Allocate(int length)
    {
        if (length < 0) throw new ArgumentException($"Allocate: negative length {length}");
        var buffer = accelerator.Allocate1D<float>(length);
        buffer.MemSetToZero();
        return new GpuStorage(this, buffer);
    }

    public void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"Upload: {source.Length} values for a tensor of {destination.Length} {ShapeOf.Format(destination.Shape)}");
        var y = View(destination);
        if (source.Length == 0) return;
        y.CopyFromCPU(source);
        work.BlockingTransfers++;
    }

    public void Download(Tensor source, Span<float> destination)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"Download: tensor of {source.Length} into {destination.Length} values");
        var x = View(source);
        if (destination.Length > 0) ReadBack(x, destination);
    }

    public void Copy(Tensor source, Tensor destination)
    {
        ShapeOf.RequireLength("Copy", "destination", destination, source.Length);
        var x = View(source);
        var y = View(destination);
        if (source.Length > 0) x.CopyTo(y);
    }

    public void Fill(float value, Tensor destination)
    {
        var y = View(destination);
        int n = destination.Length;
        if (n == 0) return;
        fill ??= accelerator.LoadStreamKernel<ArrayView<float>, int, float>(MemoryKernels.Fill);
        fill(Spread(n), y, n, value);
    }
}
