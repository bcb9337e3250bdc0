// Opens an ILGPU context and accelerator for a device name ("ilgpu-cpu" or "cuda"), or says in one line
// why that device is not available. It does not run kernels; GpuBackend does.
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

/// <summary>Thrown when a device is named that this machine cannot provide (no driver, no GPU).</summary>
public sealed class DeviceUnavailableException(string device, string reason)
    : Exception($"device '{device}' is not available: {reason}")
{
    public string Device { get; } = device;
    public string Reason { get; } = reason;
}

internal static class GpuDevices
{
    public const string Cpu = "ilgpu-cpu";
    public const string Cuda = "cuda";

    /// <summary>
    /// The simulated CPU device: 32-thread warps and 8 warps per multiprocessor, so a group can hold
    /// the GEMM's 256 threads (ILGPU's default CPU device caps groups at 16). One multiprocessor: each
    /// is a set of OS threads woken at every launch, and on a small machine a second one doubles a
    /// launch's cost without adding speed. Other kernels run 32-thread groups here (KernelGeometry.SmallGroupSize).
    /// </summary>
    private static CPUDevice CpuDevice() =>
        new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: KernelGeometry.GroupSize / 32,
            numMultiprocessors: 1);

    public static (Context, Accelerator) Open(string name) => name switch
    {
        Cpu => OpenCpu(),
        Cuda => OpenCuda(),
        _ => throw new ArgumentException($"'{name}' is not an ILGPU device; choose {Cpu} or {Cuda}"),
    };

    // Both contexts enable ILGPU.Algorithms (XMath and the group/warp helpers) for kernel code, and
    // O2 for the fastest generated code; kernels compile once per backend, so compile time is minor.
    private static (Context, Accelerator) OpenCpu()
    {
        var context = Context.Create(b => b.CPU(CpuDevice()).EnableAlgorithms().Optimize(OptimizationLevel.O2));
        return (context, context.GetCPUDevice(0).CreateAccelerator(context));
    }

    private static (Context, Accelerator) OpenCuda()
    {
        if (CudaUnavailableReason() is { } reason) throw new DeviceUnavailableException(Cuda, reason);
        var context = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
        try
        {
            return (context, context.GetCudaDevice(0).CreateAccelerator(context));
        }
        catch (Exception e)
        {
            context.Dispose();
            throw new DeviceUnavailableException(Cuda, $"the CUDA device could not be opened ({e.Message})");
        }
    }

    /// <summary>Null when a CUDA device can be opened, otherwise the reason in a few words. Probed once.</summary>
    public static string? CudaUnavailableReason() => cudaProbe.Value;

    private static readonly Lazy<string?> cudaProbe = new(ProbeCuda);

    private static string DriverLibrary => OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";

    private static string? ProbeCuda()
    {
        if (!InstallDriverResolver())
            return $"no CUDA driver ({DriverLibrary}) was found";
        try
        {
            using var context = Context.Create(b => b.Cuda());
            int count = context.GetCudaDevices().Count;
            return count > 0 ? null : "the CUDA driver reports no device ILGPU can use";
        }
        catch (Exception e)
        {
            // Whatever a driver without a usable GPU throws (it varies by driver and container
            // setup), the answer is the same: not available, and why.
            return $"the CUDA driver failed to start ({e.Message})";
        }
    }

    /// <summary>
    /// ILGPU imports the driver as "cuda", which .NET resolves to libcuda.so; drivers install only
    /// libcuda.so.1 (libcuda.so comes with the toolkit). The resolver maps the name on Linux. It must be
    /// installed before ILGPU first touches CUDA, and only once per assembly. Returns whether a driver
    /// library can be loaded at all.
    /// </summary>
    private static bool InstallDriverResolver()
    {
        if (!NativeLibrary.TryLoad(DriverLibrary, out _)) return false;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, (name, assembly, path) =>
                    name == "cuda" && NativeLibrary.TryLoad("libcuda.so.1", assembly, path, out var handle) ? handle : IntPtr.Zero);
            }
            catch (InvalidOperationException)
            {
                // A resolver is already installed for ILGPU (by ILGPU itself on WSL): keep it.
            }
        }
        return true;
    }
}
