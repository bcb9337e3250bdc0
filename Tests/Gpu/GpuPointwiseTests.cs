// Element-wise kernels on ILGPU against the reference backend. Lengths exceed the CPU accelerator's
// threads per launch, so every grid-stride loop takes more than one turn.
using Xunit;
using static Engine.Tests.Gpu.GpuTestDevice;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuPointwiseTests
{
    public static IEnumerable<object[]> Devices => Support.BackendCases.Gpu;

    private const int N = 1_283;

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Add_sub_mul_match_the_reference_exactly(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        var a = twin.Make(Values(N, 1), N);
        var b = twin.Make(Values(N, 2), N);
        var y = twin.Make(new float[N], N);
        // One IEEE operation per element, correctly rounded on every device: no tolerance.
        twin.Both((k, on) => k.Add(on(a), on(b), on(y)));
        Twin.AssertClose("Add", y, (0, 0));
        twin.Both((k, on) => k.Sub(on(a), on(b), on(y)));
        Twin.AssertClose("Sub", y, (0, 0));
        twin.Both((k, on) => k.Mul(on(a), on(b), on(y)));
        Twin.AssertClose("Mul", y, (0, 0));
        twin.Both((k, on) => k.Add(on(a), on(y), on(a))); // destination aliasing a source
        Twin.AssertClose("Add in place", a, (0, 0));
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Accumulating_kernels_add_into_their_destination(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        var a = twin.Make(Values(N, 1), N);
        var b = twin.Make(Values(N, 2), N);
        var y = twin.Make(Values(N, 3), N);
        twin.Both((k, on) => k.MulAccumulate(on(a), on(b), on(y)));
        Twin.AssertClose("MulAccumulate", y, MultiplyAdd(device));
        twin.Both((k, on) => k.Axpy(-0.75f, on(a), on(y)));
        Twin.AssertClose("Axpy", y, MultiplyAdd(device));
    }

    public static IEnumerable<object[]> DevicesAndActivations =>
        from d in Support.BackendCases.Gpu
        from f in Enum.GetValues<Activation>()
        select new object[] { d[0], f };

    [SkippableTheory, MemberData(nameof(DevicesAndActivations))]
    public void Activations_forward_and_backward_match_the_reference(string device, Activation f)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        // Inputs in [-4, 4] reach both the saturating and the linear parts of sigmoid and tanh.
        var x = twin.Make(Values(N, 1, scale: 4f), N);
        var y = twin.Make(new float[N], N);
        twin.Both((k, on) => k.ActivationForward(f, 0.1f, on(x), on(y)));
        Twin.AssertClose($"{f} forward", y, ForwardTolerance(device, f));

        // The backward takes the same y on both sides, so only its own arithmetic is compared.
        var yIn = twin.Make(y.Reference.ToArray(), N);
        var dY = twin.Make(Values(N, 2), N);
        var dX = twin.Make(Values(N, 3), N);
        twin.Both((k, on) => k.ActivationBackward(f, 0.1f, on(yIn), on(dY), on(dX)));
        Twin.AssertClose($"{f} backward", dX, MultiplyAdd(device));
    }

    /// <summary>
    /// Identity, relu and leaky relu are exact everywhere (a copy, a select, one multiply). Sigmoid
    /// uses MathF.Exp: the same function as the reference on the CPU accelerator (exact), PTX
    /// ex2.approx on CUDA, whose error (about 2^-22 plus the rounding of x * log2(e), |x| <= 4) stays
    /// below 2e-6 relative. Tanh is DeviceMath.Tanh on every device, built from exp; its analysis
    /// there bounds it by about 5e-7 relative with a correctly rounded exp and 2e-6 with ex2.approx.
    /// The abs term covers results that round to values near 0.
    /// </summary>
    private static (double Abs, double Rel) ForwardTolerance(string device, Activation f) => f switch
    {
        Activation.Sigmoid => device == Cpu ? (0, 0) : (1e-7, 2e-6),
        Activation.Tanh => device == Cpu ? (1e-7, 1e-6) : (1e-7, 5e-6),
        _ => (0, 0),
    };

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Copy_columns_slices_and_accumulates(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        const int rows = 97;
        var src = twin.Make(Values(rows * 11, 1), rows, 11);
        var dst = twin.Make(Values(rows * 7, 2), rows, 7);
        // Copies are exact; the accumulate is one add per element.
        twin.Both((k, on) => k.CopyColumns(on(src), 3, on(dst), 2, 5, accumulate: false));
        Twin.AssertClose("CopyColumns", dst, (0, 0));
        twin.Both((k, on) => k.CopyColumns(on(src), 6, on(dst), 0, 5, accumulate: true));
        Twin.AssertClose("CopyColumns accumulate", dst, (0, 0));
        var e = Assert.Throws<ArgumentException>(() => gpu.CopyColumns(src.Device, 8, dst.Device, 0, 4, false));
        Assert.Equal("CopyColumns: 4 columns from 8 of [97, 11] to 0 of [97, 7] do not fit", e.Message);
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Empty_tensors_are_a_no_op(string device)
    {
        using var gpu = Open(device);
        var empty = gpu.Zeros(0);
        gpu.Add(empty, empty, empty);
        gpu.Axpy(2f, empty, empty);
        gpu.ActivationForward(Activation.Tanh, 0f, empty, empty);
        gpu.Fill(3f, empty);
        Assert.Equal(0.0, gpu.Sum(empty));
    }
}
