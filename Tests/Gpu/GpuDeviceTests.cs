// Opening ILGPU devices: the CPU accelerator always opens, CUDA opens or says why not in one line,
// and Describe reports the device.
using Engine.Kernels;
using Engine.Kernels.Gpu;
using Xunit;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuDeviceTests
{
    [Fact]
    public void The_cpu_accelerator_is_always_available_and_describes_itself()
    {
        Assert.True(Backends.IsAvailable("ilgpu-cpu", out string reason));
        Assert.Equal("", reason);
        using var gpu = (GpuBackend)Backends.Create("ilgpu-cpu");
        Assert.Equal("ilgpu-cpu", gpu.Name);
        // One simulated multiprocessor (see GpuDevices.CpuDevice), 8 warps of 32 threads.
        Assert.Equal("ilgpu-cpu: CPUAccelerator (CPU), host memory, 1 multiprocessors x 256 threads, " +
                     "warp 32, up to 256 threads per group", gpu.Describe());
    }

    [Fact]
    public void Cuda_either_opens_or_gives_the_same_one_line_reason_everywhere()
    {
        bool available = Backends.IsAvailable("cuda", out string reason);
        if (available)
        {
            using var cuda = (GpuBackend)Backends.Create("cuda");
            Assert.StartsWith("cuda: ", cuda.Describe());
            return;
        }
        Assert.False(string.IsNullOrEmpty(reason));
        Assert.DoesNotContain('\n', reason);
        var e = Assert.Throws<DeviceUnavailableException>(() => Backends.Create("cuda"));
        Assert.Equal($"device 'cuda' is not available: {reason}", e.Message);
        Assert.False(Backends.TryCreate("cuda", out var none, out string again));
        Assert.Null(none);
        Assert.Equal(reason, again);
    }

    [SkippableFact]
    public void Without_a_driver_the_reason_names_the_missing_library()
    {
        // Only meaningful where libcuda.so.1 is absent (CI, this machine); elsewhere the reason is another.
        Skip.If(System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _), "a CUDA driver is installed here");
        Assert.False(Backends.IsAvailable("cuda", out string reason));
        Assert.Equal("no CUDA driver (libcuda.so.1) was found", reason);
    }

    [Fact]
    public void Unknown_names_are_refused_and_every_name_is_listed()
    {
        Assert.Equal(["cpu", "reference", "ilgpu-cpu", "cuda"], Backends.Names);
        var e = Assert.Throws<ArgumentException>(() => Backends.Create("opencl"));
        Assert.Equal("unknown device 'opencl'; choose one of: cpu, reference, ilgpu-cpu, cuda", e.Message);
        Assert.False(Backends.TryCreate("opencl", out _, out string reason));
        Assert.Equal("unknown device 'opencl'", reason);
    }
}
