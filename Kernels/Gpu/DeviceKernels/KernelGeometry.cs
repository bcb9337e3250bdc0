// The launch geometry every device kernel is written for, and the grid-stride helpers they share.
// Kernels are grid-stride loops, so any grid size is correct; the host picks small grids on the CPU
// accelerator (each group there is a set of OS threads) and full occupancy on a GPU.
// Convention of this folder: every public static void method of a static class is a kernel (the
// PTX compile test finds them that way); helpers are private or return a value.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class KernelGeometry
{
    /// <summary>
    /// The most threads per group: shared-memory reductions are sized by it, and the GEMM kernel runs
    /// groups of exactly this many. Other kernels read their group's size (a power of two) from Group.DimX:
    /// on a GPU it is GroupSize, on the CPU accelerator SmallGroupSize.
    /// </summary>
    public const int GroupSize = 256;

    /// <summary>
    /// Threads per group of the element-wise and reduction kernels on the CPU accelerator, where every
    /// thread of a group is an OS thread woken at each launch, so a small group makes every launch far
    /// cheaper on a machine with few cores.
    /// </summary>
    public const int SmallGroupSize = 32;

    /// <summary>This thread's first index in a grid-stride loop over items.</summary>
    public static int First => Grid.GlobalIndex.X;

    /// <summary>Distance between a thread's consecutive items: the number of threads in the grid.</summary>
    public static int Stride => Grid.DimX * Group.DimX;
}
