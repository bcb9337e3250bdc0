// The registry of backends by name: the one place that turns "--device cpu" into an IBackend.
namespace Engine.Kernels;

public static class Backends
{
    /// <summary>Names a user may pass to --device.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cpu", "reference"];

    public static IBackend Create(string name) => name switch
    {
        "cpu" => new SimdBackend(),
        "reference" => new ReferenceBackend(),
        _ => throw new ArgumentException($"unknown device '{name}'; choose one of: {string.Join(", ", Names)}"),
    };
}
