// The fused LSTM time loop on ILGPU (one launch per step and direction) against the step-by-step
// loop it replaces (LstmLoop: AddBias, GEMM, gates forward; Axpy, gates, GEMM backward) on the same
// device, and against the reference backend's loop. Shapes are odd on purpose (H 5 is no multiple of
// a warp or a GEMM slice) and small: the CPU accelerator is slow.
using Engine.Kernels;
using Engine.Tests.Support;
using Xunit;
using static Engine.Tests.Gpu.GpuTestDevice;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuLstmSequenceTests
{
    public static IEnumerable<object[]> Devices => BackendCases.Gpu;

    private sealed record Pass(Tensor Gates, Tensor Bias, Tensor Weights, Tensor H0, Tensor C0, Tensor Cells, Tensor Y,
        Tensor DY, Tensor DH, Tensor DC, Tensor DGates);

    private static Pass Make(IBackend k, int t, int b, int h, int seed)
    {
        var rng = new Random(seed);
        Tensor R(double scale, params int[] shape) =>
            k.FromArray(Enumerable.Range(0, ShapeOf.Numel(shape)).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray(), shape);
        return new Pass(R(1, t, b, 4 * h), R(0.5, 4 * h), R(0.4, 4 * h, h), R(1, b, h), R(1, b, h),
            k.Zeros(t, b, h), k.Zeros(t, b, h), R(1, t, b, h), R(1, b, h), R(1, b, h), k.Zeros(t, b, 4 * h));
    }

    /// <summary>Forward then backward over the pass, fused or step by step; dY is left out when withDY is false.</summary>
    private static void Run(IBackend k, Pass p, bool stepByStep, bool withDY)
    {
        int hidden = p.H0.Columns;
        var forward = k.Prepare(p.Weights, transB: true, hidden, 4 * hidden);
        var backward = k.Prepare(p.Weights, transB: false, 4 * hidden, hidden);
        var dY = withDY ? p.DY : null;
        if (stepByStep)
        {
            LstmLoop.Forward(k, p.Gates, p.Bias, forward, p.H0, p.C0, p.Cells, p.Y);
            LstmLoop.Backward(k, p.Gates, p.C0, p.Cells, backward, dY, p.DH, p.DC, p.DGates, null);
        }
        else
        {
            k.LstmSequenceForward(p.Gates, p.Bias, forward, p.H0, p.C0, p.Cells, p.Y);
            k.LstmSequenceBackward(p.Gates, p.C0, p.Cells, backward, dY, p.DH, p.DC, p.DGates, null);
        }
    }

    private static IEnumerable<(string Name, Tensor Tensor)> Outputs(Pass p) =>
        [("gates", p.Gates), ("cells", p.Cells), ("y", p.Y), ("dGates", p.DGates), ("dH", p.DH), ("dC", p.DC)];

    /// <summary>
    /// The fused kernels sum each unit's recurrent product over k in increasing order from zero and
    /// add it to (x W_ih^T + bias) as the GEMM's epilogue does, so on the CPU accelerator (IEEE
    /// float, no contraction) every output is bit-identical to the step-by-step loop's. On a GPU,
    /// ptxas may contract the two loops' multiply-adds differently; a product of H terms of size
    /// below 1 then moves by a few ulps, below 1e-5 at these sizes. At H 128 the backward's product
    /// (K = 4H = 512) is one the GEMM splits into four segments: the fused kernel sums it the same way.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Fused_loop_matches_the_step_by_step_loop(string device)
    {
        using var gpu = Open(device);
        double tolerance = device == Cpu ? 0 : 1e-5;
        foreach (var (t, b, h, withDY) in new[] { (4, 3, 5, true), (3, 2, 8, false), (1, 1, 3, true), (2, 2, 128, true) })
        {
            var fused = Make(gpu, t, b, h, 7);
            var loop = Make(gpu, t, b, h, 7);
            Run(gpu, fused, stepByStep: false, withDY);
            Run(gpu, loop, stepByStep: true, withDY);
            foreach (var ((name, f), (_, l)) in Outputs(fused).Zip(Outputs(loop)))
                Fixtures.AssertClose($"{name} T={t} B={b} H={h} dY={withDY}", gpu.Download(l), gpu.Download(f), tolerance, tolerance);
        }
    }

    /// <summary>
    /// Against the reference backend's loop: the reference sums its products in double, the device in
    /// float, so each pre-activation differs by up to H float roundings of terms below 1 (about 1e-6
    /// at H 5), and the recurrence carries that through three steps: 1e-5 holds with margin.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Fused_loop_matches_the_reference(string device)
    {
        using var gpu = Open(device);
        var reference = new ReferenceBackend();
        var onDevice = Make(gpu, 3, 2, 5, 11);
        var onReference = Make(reference, 3, 2, 5, 11);
        Run(gpu, onDevice, stepByStep: false, withDY: true);
        Run(reference, onReference, stepByStep: true, withDY: true);
        foreach (var ((name, d), (_, r)) in Outputs(onDevice).Zip(Outputs(onReference)))
            Fixtures.AssertClose(name, reference.Download(r), gpu.Download(d), 1e-5, 1e-5);
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Weights_prepared_elsewhere_are_refused(string device)
    {
        using var gpu = Open(device);
        var p = Make(gpu, 2, 1, 3, 1);
        var foreign = new PreparedMatrix(p.Weights, true, 3, 12);
        var e = Assert.Throws<ArgumentException>(() => gpu.LstmSequenceForward(p.Gates, p.Bias, foreign, p.H0, p.C0, p.Cells, p.Y));
        Assert.Equal($"LstmSequenceForward: the recurrent weights were not prepared by this '{device}' backend", e.Message);
        var wrongWay = gpu.Prepare(p.Weights, transB: false, 12, 3);
        e = Assert.Throws<ArgumentException>(() => gpu.LstmSequenceForward(p.Gates, p.Bias, wrongWay, p.H0, p.C0, p.Cells, p.Y));
        Assert.Equal("LstmSequenceForward: recurrent weights prepared as [12, 3], expected [3, 12] transposed", e.Message);
    }
}
