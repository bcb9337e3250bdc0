// Shared helpers of the ILGPU tests: opening a device (skipping with the reason when this machine
// lacks it), twin tensors on the reference and the device, and the per-device tolerances.
using Engine.Kernels;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Gpu;

/// <summary>
/// Every GPU test class joins this collection, so they run one after another: the CPU accelerator
/// starts several hundred OS threads per backend, and two of them at once only fight for the cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class GpuCollection
{
    public const string Name = "ilgpu";
}

public static class GpuTestDevice
{
    public const string Cpu = "ilgpu-cpu";

    /// <summary>A fresh backend for one test (a failed kernel compile cannot leak into the next test).</summary>
    public static IBackend Open(string device)
    {
        Skip.IfNot(Backends.IsAvailable(device, out string reason), $"{device}: {reason}");
        return Backends.Create(device);
    }

    public static float[] Values(int count, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return values;
    }

    /// <summary>
    /// Tolerance (abs, rel) for kernels whose every output is one multiply followed by one add.
    /// The CPU accelerator runs the same IEEE float operations in the same order as the reference,
    /// so it must match bit for bit. On CUDA, ptxas may fuse the pair into one FMA, which skips one
    /// rounding: at most half an ulp of the product, below 1e-6 for the operands in [-1, 1] used here.
    /// </summary>
    public static (double Abs, double Rel) MultiplyAdd(string device) => device == Cpu ? (0, 0) : (1e-6, 1e-6);
}

/// <summary>The reference backend beside the device under test, with helpers to give both the same data.</summary>
public sealed class Twin(IBackend device)
{
    public ReferenceBackend Reference { get; } = new();
    public IBackend Device { get; } = device;

    public (Tensor Reference, Tensor Device) Make(float[] values, params int[] shape)
        => (Reference.FromArray(values, shape), Device.FromArray(values, shape));

    /// <summary>Runs op on the reference, then on the device; on(pair) picks that side's tensor.</summary>
    public void Both(Action<IBackend, Func<(Tensor Reference, Tensor Device), Tensor>> op)
    {
        op(Reference, pair => pair.Reference);
        op(Device, pair => pair.Device);
    }

    /// <summary>Asserts the device tensor equals the reference tensor within (abs, rel) per element.</summary>
    public static void AssertClose(string what, (Tensor Reference, Tensor Device) pair, (double Abs, double Rel) tolerance)
        => Fixtures.AssertClose(what, pair.Reference.ToArray(), pair.Device.ToArray(), tolerance.Abs, tolerance.Rel);
}
