// GpuStorage: a block of float32 device memory (an ILGPU buffer) owned by one GpuBackend. Tensors
// are views into it; kernels reach the memory through GpuBackend, never directly.
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

public sealed class GpuStorage : Storage
{
    private readonly GpuBackend owner;
    internal MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; }

    internal GpuStorage(GpuBackend owner, MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        this.owner = owner;
        Buffer = buffer;
    }

    public override int Length => (int)Buffer.Length;
    public override IBackend Owner => owner;

    /// <summary>The elements [offset, offset + length) as a kernel argument.</summary>
    internal ArrayView<float> View(int offset, int length) => Buffer.View.SubView(offset, length);

    public override void Dispose() => Buffer.Dispose();
}
