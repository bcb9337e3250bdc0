// `selfcheck --device D`: every kernel on device D against the CPU SIMD backend (see KernelSelfCheck),
// one line per kernel; exits 0 only when all of them agree and every reduction repeats bit for bit.
using System.CommandLine;
using System.Globalization;
using Engine.Kernels;
using Engine.Kernels.Gpu;
using Engine.Training.Parity;

namespace Engine.Training.Cli;

public static class SelfCheckCommand
{
    /// <summary>The most elements per case: the matrices and buffers of every case stay within a few GB.</summary>
    public const int MaxElements = 1 << 26;

    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "backend to check against the CPU backend: cuda, ilgpu-cpu, reference", DefaultValueFactory = _ => "cuda" };
        var elements = new Option<int>("--elements") { Description = "elements per element-wise case (matrices scale with it)", DefaultValueFactory = _ => 1_000_003 };
        var command = new Command("selfcheck", "Check every kernel of a device against the CPU backend");
        command.Options.Add(device);
        command.Options.Add(elements);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            int n = r.GetValue(elements);
            if (n < 64 || n > MaxElements) throw new ArgumentException($"--elements must be from 64 to {MaxElements}, got {n}");
            using var backend = Backends.Create(r.GetValue(device)!);
            using var trusted = Backends.Create("cpu");
            Console.WriteLine(backend is GpuBackend gpu ? gpu.Describe() : backend.Name);
            var checks = KernelSelfCheck.Run(backend, trusted, n);
            foreach (var c in checks)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(c.Passed ? "ok  " : "FAIL")} {c.Kernel,-34} max abs {c.MaxAbsolute:E2}  max rel {c.MaxRelative:E2}  {(c.Repeats ? "repeats" : "DIFFERS ON REPEAT")}  {c.Milliseconds,8:F1} ms"));
            int failed = checks.Count(c => !c.Passed);
            Console.WriteLine(failed == 0 ? $"selfcheck: all {checks.Count} kernels agree with the CPU backend" : $"selfcheck: {failed} of {checks.Count} kernels disagree");
            return failed == 0 ? 0 : 1;
        }));
        return command;
    }
}
