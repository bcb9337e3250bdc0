// DeviceWorkBench: what one of the bench's training steps asks of a GPU backend: kernel launches and
// blocking host-device transfers. Counted over one step after a first one (which compiles kernels
// and sizes scratch buffers); the counts depend on T and the code path, not on B, I or H, so a small
// shape gives the counts of a large one in seconds on the CPU accelerator.
using Engine.Kernels.Gpu;
using Engine.Models;

namespace Engine.Training.Bench;

public static class DeviceWorkBench
{
    /// <summary>The work of one training step, or null when the backend does not count (a CPU backend).</summary>
    public static DeviceWork? PerStep(IBackend backend, CellKind cell, int t, int b, int i, int h)
    {
        if (backend is not GpuBackend gpu) return null;
        var step = new TrainStep(backend, cell, t, b, i, h);
        step.Run();
        var before = gpu.Work;
        step.Run();
        return gpu.Work - before;
    }
}
