// Every registered backend, for [SkippableTheory] tests: a kernel test is written once and runs on
// each. The ILGPU backends are among them: "ilgpu-cpu" (ILGPU's CPU accelerator) always runs, and
// "cuda" skips with the reason where this machine has no GPU.
using Engine.Kernels;
using Xunit;

namespace Engine.Tests.Support;

public static class BackendCases
{
    /// <summary>Every backend the shared tests run over.</summary>
    public static IEnumerable<object[]> All => Backends.Names.Select(n => new object[] { n });

    /// <summary>Backends other than the reference, to be compared against it.</summary>
    public static IEnumerable<object[]> Fast => Backends.Names.Where(n => n != "reference").Select(n => new object[] { n });

    /// <summary>ILGPU devices only, for the tests of GPU-specific behaviour.</summary>
    public static IEnumerable<object[]> Gpu => Backends.GpuNames.Select(n => new object[] { n });

    /// <summary>
    /// The backend of that name; skips the calling test, with the reason, where it is not available.
    /// Host backends are created afresh. An ILGPU backend is one per test thread, kept for the
    /// process: opening one compiles its kernels and starts the accelerator's threads, far too slow
    /// to repeat for every comparison a test makes. A backend is used by one thread at a time, and
    /// the tests that share one never dispose it.
    /// </summary>
    public static IBackend Create(string name)
    {
        if (!Backends.GpuNames.Contains(name)) return Backends.Create(name);
        Skip.IfNot(Backends.IsAvailable(name, out string reason), $"{name}: {reason}");
        shared ??= new Dictionary<string, IBackend>();
        if (!shared.TryGetValue(name, out var backend)) shared[name] = backend = Backends.Create(name);
        return backend;
    }

    [ThreadStatic] private static Dictionary<string, IBackend>? shared;
}
