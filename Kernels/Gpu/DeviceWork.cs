// What a GPU backend has asked of its device so far: kernel launches (and stream memsets) and
// blocking host-device transfers (ILGPU's copies from and to host memory wait for the stream to
// drain). The bench prints them per training step; they depend on the code path and T, not on widths.
namespace Engine.Kernels.Gpu;

/// <summary>Counts since the backend was opened; subtract two snapshots for the work in between.</summary>
public readonly record struct DeviceWork(long Launches, long BlockingTransfers)
{
    public static DeviceWork operator -(DeviceWork after, DeviceWork before) =>
        new(after.Launches - before.Launches, after.BlockingTransfers - before.BlockingTransfers);
}

/// <summary>The running counts, shared by a backend and its scratch buffers.</summary>
internal sealed class DeviceWorkCounter
{
    public long Launches;
    public long BlockingTransfers;

    public DeviceWork Snapshot => new(Launches, BlockingTransfers);
}
