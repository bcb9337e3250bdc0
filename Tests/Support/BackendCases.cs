// Every registered backend, for [Theory] tests: a kernel test is written once and runs on each.
using Engine.Kernels;

namespace Engine.Tests.Support;

public static class BackendCases
{
    /// <summary>
    /// Host backends the shared tests run over. The ILGPU backends join once they implement every
    /// kernel family; until then their tests use Gpu below.
    /// </summary>
    public static IEnumerable<object[]> All => Backends.HostNames.Select(n => new object[] { n });

    /// <summary>Host backends other than the reference, to be compared against it.</summary>
    public static IEnumerable<object[]> Fast => Backends.HostNames.Where(n => n != "reference").Select(n => new object[] { n });

    /// <summary>ILGPU devices: "ilgpu-cpu" always runs; "cuda" tests skip with a reason where no GPU is present.</summary>
    public static IEnumerable<object[]> Gpu => Backends.GpuNames.Select(n => new object[] { n });

    public static IBackend Create(string name) => Backends.Create(name);
}
