// The program's kernel self-check (`selfcheck`), the one that runs on a GPU machine: it passes on
// ILGPU's CPU accelerator, and it catches a kernel that is one ulp-scale error off or not repeatable.
using Engine.Kernels;
using Engine.Tests.Support;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Gpu;

[Collection(ProgramCollection.Name)]
public class SelfCheckTests
{
    [Fact]
    public void Selfcheck_passes_on_the_cpu_accelerator()
    {
        var r = ProgramRunner.Run("selfcheck", "--device", "ilgpu-cpu", "--elements", "2001");
        Assert.True(r.ExitCode == 0, r.Output + r.Error);
        Assert.Contains("selfcheck: all 36 kernels agree with the CPU backend", r.Output);
        Assert.DoesNotContain("FAIL", r.Output);
    }

    [Fact]
    public void Selfcheck_on_a_missing_gpu_is_one_line()
    {
        Skip.If(Backends.IsAvailable("cuda", out _), "this machine has a CUDA device");
        var r = ProgramRunner.Run("selfcheck", "--device", "cuda");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Error.Trim().Split('\n'));
        Assert.StartsWith("error: device 'cuda' is not available", r.Error.Trim());
    }

    /// <summary>The reference backend with two planted defects: Add off by 1e-4 relative, and a Sum that changes from call to call.</summary>
    private sealed class FaultyBackend : ReferenceBackend
    {
        private int calls;

        public override void Add(Tensor a, Tensor b, Tensor y)
        {
            base.Add(a, b, y);
            Scale(1.0001f, y);
        }

        public override double Sum(Tensor x) => base.Sum(x) + 1e-3 * calls++;

        private void Scale(float s, Tensor y) => ScaleSegments([s], [0], [y.Length], y);
    }

    [Fact]
    public void Selfcheck_catches_a_wrong_kernel_and_a_non_repeating_reduction()
    {
        var checks = KernelSelfCheck.Run(new FaultyBackend(), Backends.Create("cpu"), 501).ToDictionary(c => c.Kernel);
        Assert.False(checks["Add"].WithinTolerance);
        Assert.False(checks["Sum/Dot"].Repeats);
        Assert.True(checks["Sub"].Passed);
        Assert.Equal(2, checks.Values.Count(c => !c.Passed));
    }
}
