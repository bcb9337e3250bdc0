// Reductions across the threads of one group through shared memory, combined in a fixed tree order
// (thread t adds t + width for halving widths; the group size is a power of two), so a result is bit-identical from run to run. No
// atomics: ILGPU's own group reductions combine with atomics, whose order depends on timing.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class GroupReduce
{
    /// <summary>Sum of every thread's value, returned to every thread. shared: [GroupSize] (at least the group size).</summary>
    public static double Sum(ArrayView<double> shared, double value)
    {
        int t = Group.IdxX;
        shared[t] = value;
        Group.Barrier();
        for (int width = Group.DimX / 2; width > 0; width /= 2)
        {
            if (t < width) shared[t] += shared[t + width];
            Group.Barrier();
        }
        double total = shared[0];
        Group.Barrier(); // every thread has read the total before the caller reuses shared
        return total;
    }

    /// <summary>Maximum of every thread's value, returned to every thread. shared: [GroupSize] (at least the group size).</summary>
    public static float Max(ArrayView<float> shared, float value)
    {
        int t = Group.IdxX;
        shared[t] = value;
        Group.Barrier();
        for (int width = Group.DimX / 2; width > 0; width /= 2)
        {
            if (t < width) shared[t] = DeviceMath.Max(shared[t], shared[t + width]);
            Group.Barrier();
        }
        float max = shared[0];
        Group.Barrier();
        return max;
    }
}
