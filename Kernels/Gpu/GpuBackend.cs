// GpuBackend: the kernel interface on ILGPU. The same kernels run on a CUDA GPU ("cuda") and on
// ILGPU's CPU accelerator ("ilgpu-cpu"), which simulates a GPU with OS threads so that tests and CI
// exercise every kernel without a GPU. Kernel families live in partial files (GpuBackend.<Family>.cs)
// with their device code in DeviceKernels/. Work is queued in order on the accelerator's default
// stream; a backend is used from one thread at a time.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend : IBackend
{
    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly int maxGroups, groupSize, forcedGroups;
    private readonly ScratchBuffer<int> ints;
    private readonly ScratchBuffer<double> doubles;
    private readonly ScratchBuffer<float> floats;
    private readonly DeviceWorkCounter work = new();
    private readonly DeviceTableCache<ClipChunks> chunkTables;
    private readonly DeviceTableCache<int[]> unitTables;
    private readonly DeviceTableCache<EmbeddingIds> idTables;
    private readonly DeviceTableCache<int[]> targetTables;

    public string Name { get; }

    /// <summary>Names this backend answers to: the CPU accelerator (always there) and CUDA.</summary>
    public static IReadOnlyList<string> Devices { get; } = [GpuDevices.Cpu, GpuDevices.Cuda];

    /// <summary>
    /// Opens "ilgpu-cpu" or "cuda". Throws DeviceUnavailableException (one line, with the reason)
    /// when the device is missing, e.g. no CUDA driver on this machine.
    /// </summary>
    public static GpuBackend Create(string device)
    {
        var (context, accelerator) = GpuDevices.Open(device);
        return new GpuBackend(device, context, accelerator, forcedGroups: 0);
    }

    /// <summary>
    /// A backend whose every launch is exactly groups groups of GroupSize (256) threads, whatever the
    /// work: the tests run the kernels so on the CPU accelerator, where launches are otherwise one
    /// group of 32, so that multi-group indexing and 256-thread trees run without a GPU.
    /// </summary>
    internal static GpuBackend CreateWithGrid(string device, int groups)
    {
        if (groups < 1) throw new ArgumentException($"a forced grid needs at least one group, not {groups}");
        var (context, accelerator) = GpuDevices.Open(device);
        return new GpuBackend(device, context, accelerator, groups);
    }

    /// <summary>Whether Create(device) can succeed here; reason says why not.</summary>
    public static bool IsAvailable(string device, out string reason)
    {
        reason = device switch
        {
            GpuDevices.Cpu => "",
            GpuDevices.Cuda => GpuDevices.CudaUnavailableReason() ?? "",
            _ => $"'{device}' is not an ILGPU device",
        };
        return reason.Length == 0;
    }

    private GpuBackend(string name, Context context, Accelerator accelerator, int forcedGroups)
    {
        Name = name;
        this.context = context;
        this.accelerator = accelerator;
        this.forcedGroups = forcedGroups;
        // On a GPU: enough groups to fill every multiprocessor. On the CPU accelerator a
        // multiprocessor runs one group at a time, so more groups only add scheduling overhead.
        bool simulated = accelerator.AcceleratorType == AcceleratorType.CPU && forcedGroups == 0;
        groupSize = simulated ? KernelGeometry.SmallGroupSize : KernelGeometry.GroupSize;
        maxGroups = forcedGroups > 0 ? forcedGroups
            : simulated ? accelerator.NumMultiprocessors
            : accelerator.NumMultiprocessors * Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / groupSize);
        ints = new ScratchBuffer<int>(accelerator, work);
        doubles = new ScratchBuffer<double>(accelerator, work);
        floats = new ScratchBuffer<float>(accelerator, work);
        chunkTables = new DeviceTableCache<ClipChunks>(accelerator, work);
        unitTables = new DeviceTableCache<int[]>(accelerator, work);
        idTables = new DeviceTableCache<EmbeddingIds>(accelerator, work);
        targetTables = new DeviceTableCache<int[]>(accelerator, work);
    }

    /// <summary>One line on the device: name, memory, multiprocessors, warp and group limits.</summary>
    public string Describe()
    {
        string memory = accelerator.AcceleratorType == AcceleratorType.CPU
            ? "host memory"
            : $"{accelerator.MemorySize / (1024 * 1024)} MiB";
        return $"{Name}: {accelerator.Name} ({accelerator.AcceleratorType}), {memory}, " +
               $"{accelerator.NumMultiprocessors} multiprocessors x {accelerator.MaxNumThreadsPerMultiprocessor} threads, " +
               $"warp {accelerator.WarpSize}, up to {accelerator.MaxNumThreadsPerGroup} threads per group";
    }

    public void Synchronize() => accelerator.Synchronize();

    /// <summary>Launches and blocking transfers since this backend was opened.</summary>
    public DeviceWork Work => work.Snapshot;

    public void Dispose()
    {
        ints.Dispose();
        doubles.Dispose();
        floats.Dispose();
        chunkTables.Dispose();
        unitTables.Dispose();
        idTables.Dispose();
        targetTables.Dispose();
        accelerator.Dispose();
        context.Dispose();
    }

    // Every launch takes its shape from one of the helpers below, which is where launches are counted.

    /// <summary>Launch shape for a grid-stride loop over items: full groups, at most maxGroups of them.</summary>
    private KernelConfig Spread(long items) => Groups((items + groupSize - 1) / groupSize, groupSize);

    /// <summary>Launch shape for kernels that give each group its own rows or tiles.</summary>
    private KernelConfig GroupPer(long units) => Groups(units, groupSize);

    /// <summary>Launch shape for a reduction over FixedSplit's partials: a warp per partial, as many as fit.</summary>
    private KernelConfig SplitGrid(int partials) => GroupPer((partials + groupSize / FixedSplit.Lanes - 1) / (groupSize / FixedSplit.Lanes));

    /// <summary>count groups of size threads (at least one, at most maxGroups), counted as one launch.</summary>
    private KernelConfig Groups(long count, int size)
    {
        work.Launches++;
        if (forcedGroups > 0) return new KernelConfig(forcedGroups, KernelGeometry.GroupSize);
        return new KernelConfig((int)Math.Clamp(count, 1, maxGroups), size);
    }

    /// <summary>Copies device values to the host: a blocking transfer (the stream drains first).</summary>
    private void ReadBack<T>(ArrayView<T> source, Span<T> destination) where T : unmanaged
    {
        source.CopyToCPU(destination);
        work.BlockingTransfers++;
    }

    /// <summary>The tensor's elements as a kernel argument; refuses tensors of another backend.</summary>
    private ArrayView<float> View(Tensor t)
    {
        if (t.Storage is not GpuStorage storage || !ReferenceEquals(storage.Owner, this))
            throw new ArgumentException($"tensor {t} lives on backend '{t.Storage.Owner.Name}', not on this '{Name}' backend");
        return storage.View(t.Offset, t.Length);
    }
}
