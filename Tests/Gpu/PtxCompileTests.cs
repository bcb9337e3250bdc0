// Compiles every device kernel to PTX, the code a CUDA driver would load, on a machine without a
// GPU. The CPU accelerator runs kernels as .NET code, so a kernel that runs there may still fail to
// become valid PTX; this test catches that (e.g. MathF.FusedMultiplyAdd, which ILGPU 1.5.3 leaves as
// a call to an undefined function). It cannot assemble or run the PTX: that needs the driver.
using System.Reflection;
using System.Text.RegularExpressions;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class PtxCompileTests
{
    private const string KernelNamespace = "Engine.Kernels.Gpu.DeviceKernels";

    /// <summary>
    /// Every kernel: each public static void method of a static class in DeviceKernels/, generic
    /// kernels once per operator struct that satisfies their constraint.
    /// </summary>
    public static IEnumerable<MethodInfo> Kernels()
    {
        var types = typeof(GpuBackend).Assembly.GetTypes();
        foreach (var type in types.Where(t => t.Namespace == KernelNamespace && t.IsAbstract && t.IsSealed))
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType == typeof(void)))
            {
                if (!method.IsGenericMethodDefinition) { yield return method; continue; }
                var constraint = method.GetGenericArguments().Single().GetGenericParameterConstraints().Single(c => c.IsInterface);
                foreach (var op in types.Where(t => t.IsValueType && constraint.IsAssignableFrom(t)))
                    yield return method.MakeGenericMethod(op);
            }
    }

    private static string Name(MethodInfo m) =>
        $"{m.DeclaringType!.Name}.{m.Name}" + (m.IsGenericMethod ? $"<{m.GetGenericArguments()[0].Name}>" : "");

    private static Dictionary<string, string> CompileAll(CudaArchitecture architecture, CudaInstructionSet isa)
    {
        // ILGPU binds the CUDA driver once per process; probing through Backends first puts the
        // engine's libcuda.so.1 resolver in place, in case compiling PTX makes ILGPU look for a driver.
        Engine.Kernels.Backends.IsAvailable("cuda", out _);
        // The optimisation level the backend compiles at (GpuDevices): O2 inlines and unrolls
        // differently from the default, and it is O2's code a GPU would run.
        using var context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, architecture, isa, nvvmAPI: null!);
        var ptx = new Dictionary<string, string>();
        foreach (var kernel in Kernels())
        {
            var compiled = backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), KernelSpecialization.Empty);
            ptx[Name(kernel)] = ((PTXCompiledKernel)compiled).PTXAssembly;
        }
        return ptx;
    }

    [Theory]
    [InlineData(8, 0)] // A100, and what ILGPU targets on newer GPUs (the driver JITs it)
    [InlineData(9, 0)] // H100
    public void Every_kernel_compiles_to_self_contained_ptx(int major, int minor)
    {
        var ptx = CompileAll(new CudaArchitecture(major, minor), CudaInstructionSet.ISA_80);
        // 1 fill, 3 binary ops, 2 accumulating, 1 scalar broadcast, 2 x 5 activations, 1 column copy,
        // 3 linear, the GEMM's segment sum, the bias gradient's block sum and a transpose, 8 reduce,
        // 4 recurrent gate, 2 LSTM step, 5 clip, 4 optimizer kernels.
        Assert.Equal(47, ptx.Count);
        foreach (var (name, code) in ptx)
        {
            Assert.True(code.Contains(".entry"), $"{name}: no entry point");
            // An extern function is one ILGPU could not lower; the driver would refuse the module.
            Assert.False(code.Contains(".extern .func"), $"{name}: calls an undefined function\n{code[..Math.Min(code.Length, 600)]}");
            // tanh.approx.f32 is too coarse (about 2^-11): tanh must come from DeviceMath.
            Assert.False(code.Contains("tanh.approx"), $"{name}: uses tanh.approx");
        }
    }

    [Fact]
    public void Gemm_keeps_its_accumulators_in_registers_and_reads_shared_memory_128_bits_at_a_time()
    {
        var gemm = CompileAll(CudaArchitecture.SM_80, CudaInstructionSet.ISA_80)["GemmKernel.Gemm"];
        Assert.DoesNotContain(".local", gemm);      // no per-thread array spilled to local memory
        // The staged slices, aligned for 128-bit loads (a misaligned v4 load faults on a GPU).
        Assert.Equal(2, Regex.Matches(gemm, @"\.shared \.align 16 ").Count);
        // One pass of the K loop is 4 hand-unrolled steps, each one 128-bit load of op(A) and one of
        // op(B) feeding 16 multiply-adds (8 in the short tile): no scalar shared load is left in them.
        Assert.Equal(2 * 4, Regex.Matches(gemm, @"\bld\.shared\.v4\.f32").Count);
        Assert.Empty(Regex.Matches(gemm, @"\bld\.shared\.f32"));
        // The multiplies come without .rn, which lets ptxas fuse each with its add.f32 into an FMA.
        Assert.DoesNotContain("mul.rn.f32", gemm);
    }
}
