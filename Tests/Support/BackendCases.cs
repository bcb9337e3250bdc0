// Every registered backend, for [Theory] tests: a kernel test is written once and runs on each.
using Engine.Kernels;

namespace Engine.Tests.Support;

public static class BackendCases
{
    /// <summary>Backend names the tests run over; ILGPU's CPU accelerator joins when the GPU backend lands.</summary>
    public static IEnumerable<object[]> All => Backends.Names.Select(n => new object[] { n });

    /// <summary>Backends other than the reference, to be compared against it.</summary>
    public static IEnumerable<object[]> Fast => Backends.Names.Where(n => n != "reference").Select(n => new object[] { n });

    public static IBackend Create(string name) => Backends.Create(name);
}
