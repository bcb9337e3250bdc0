// The registry of backends by name: the one place that turns "--device cpu" into an IBackend.
using System.Diagnostics.CodeAnalysis;
using Engine.Kernels.Gpu;

namespace Engine.Kernels;

public static class Backends
{
    /// <summary>Backends in host memory: always available.</summary>
    public static IReadOnlyList<string> HostNames { get; } = ["cpu", "reference"];

    /// <summary>ILGPU backends: "ilgpu-cpu" (ILGPU's CPU accelerator, always available) and "cuda".</summary>
    public static IReadOnlyList<string> GpuNames => GpuBackend.Devices;

    /// <summary>Names a user may pass to --device.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. HostNames, .. GpuNames];

    /// <summary>
    /// The backend of that name. Throws ArgumentException for an unknown name and
    /// DeviceUnavailableException (one line, with the reason) for a device this machine lacks.
    /// </summary>
    public static IBackend Create(string name) => name switch
    {
        "cpu" => new SimdBackend(),
        "reference" => new ReferenceBackend(),
        _ when GpuNames.Contains(name) => GpuBackend.Create(name),
        _ => throw new ArgumentException($"unknown device '{name}'; choose one of: {string.Join(", ", Names)}"),
    };

    /// <summary>Whether Create(name) would succeed on this machine; reason says why not.</summary>
    public static bool IsAvailable(string name, out string reason)
    {
        if (HostNames.Contains(name)) { reason = ""; return true; }
        if (GpuNames.Contains(name)) return GpuBackend.IsAvailable(name, out reason);
        reason = $"unknown device '{name}'";
        return false;
    }

    /// <summary>Creates the backend when available; otherwise returns false with the reason.</summary>
    public static bool TryCreate(string name, [NotNullWhen(true)] out IBackend? backend, out string reason)
    {
        backend = null;
        if (!IsAvailable(name, out reason)) return false;
        try
        {
            backend = Create(name);
            return true;
        }
        catch (DeviceUnavailableException e)
        {
            reason = e.Reason;
            return false;
        }
    }
}
