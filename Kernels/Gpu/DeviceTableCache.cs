// A table of ints kept on the device for as long as the same table is asked for. The clip stage's
// chunk and unit tables depend only on the parameter layout, which is the same at every step, so
// they cross to the device once instead of once per step (each upload drains the stream); a step's
// ids and targets cross once although a forward and a backward kernel read them.
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

internal sealed class DeviceTableCache<TPlan>(Accelerator accelerator, DeviceWorkCounter work) : IDisposable where TPlan : class
{
    private int[] key = [];
    private TPlan? plan;
    private MemoryBuffer1D<int, Stride1D.Dense>? buffer;
    private int length;

    /// <summary>
    /// The plan and its device table for key (the inputs the plan is built from): built and uploaded
    /// when key differs from the last call's, otherwise the ones already there.
    /// </summary>
    public (TPlan Plan, ArrayView<int> Table) Get(int[] key, Func<TPlan> build, Func<TPlan, int[]> table)
    {
        if (plan is null || buffer is null || !key.AsSpan().SequenceEqual(this.key))
        {
            var built = build();
            var values = table(built);
            if (buffer is null || buffer.Length < values.Length)
            {
                // Kernels queued earlier may still read the old table: let them finish before freeing it.
                accelerator.Synchronize();
                buffer?.Dispose();
                buffer = accelerator.Allocate1D<int>(Math.Max(1, values.Length));
            }
            // A table of the same size or smaller is written over the old one: the copy waits for the
            // kernels queued before it, as every copy from host memory does.
            length = values.Length;
            if (length > 0)
            {
                buffer.View.SubView(0, length).CopyFromCPU(values);
                work.BlockingTransfers++;
            }
            (this.key, plan) = ([.. key], built);
        }
        return (plan, buffer.View.SubView(0, length));
    }

    public void Dispose() => buffer?.Dispose();
}
