// Device kernels of the memory family. Copies and transfers need no kernel (ILGPU copies views).
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class MemoryKernels
{
    /// <summary>y[i] = value. y: [n].</summary>
    public static void Fill(ArrayView<float> y, int n, float value)
    {
        for (int i = KernelGeometry.First; i < n; i += KernelGeometry.Stride) y[i] = value;
    }
}
