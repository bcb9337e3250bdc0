// The LSTM time-loop kernels. The SIMD backend fuses batch-1 loops over the cores (one job per pass,
// slabs of 32 or 64 units per item); these tests hold that path to the step-by-step loop it replaces
// (LstmLoop on the same backend, and on the reference), to finite differences, and to itself under
// any thread schedule. Every shape here is one the fused path takes: B = 1 and H a multiple of 32.
using Engine.Kernels;
using Engine.Models;
using Engine.Tests.Support;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Kernels;

public class LstmSequenceTests
{
    private const int T = 7, I = 5;

    /// <summary>The tensors of one pass: inputs filled from the seed, outputs zeroed.</summary>
    private sealed record Pass(Tensor Gates, Tensor Bias, Tensor Weights, Tensor H0, Tensor C0, Tensor Cells, Tensor Y,
        Tensor DY, Tensor DH, Tensor DC, Tensor DGates, double[] Norms);

    private static Pass Make(IBackend k, int h, int seed)
    {
        var rng = new Random(seed);
        Tensor R(double scale, params int[] shape) => k.FromArray(Enumerable.Range(0, ShapeOf.Numel(shape)).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray(), shape);
        return new Pass(R(1, T, 1, 4 * h), R(0.5, 4 * h), R(0.3, 4 * h, h), R(1, 1, h), R(1, 1, h),
            k.Zeros(T, 1, h), k.Zeros(T, 1, h), R(1, T, 1, h), R(1, 1, h), R(1, 1, h), k.Zeros(T, 1, 4 * h), new double[T]);
    }

    private static void Forward(IBackend k, Pass p, bool stepByStep)
    {
        var w = k.Prepare(p.Weights, transB: true, p.H0.Length, p.Gates.Columns);
        if (stepByStep) LstmLoop.Forward(k, p.Gates, p.Bias, w, p.H0, p.C0, p.Cells, p.Y);
        else k.LstmSequenceForward(p.Gates, p.Bias, w, p.H0, p.C0, p.Cells, p.Y);
    }

    private static void Backward(IBackend k, Pass p, bool stepByStep)
    {
        var w = k.Prepare(p.Weights, transB: false, p.Gates.Columns, p.H0.Length);
        if (stepByStep) LstmLoop.Backward(k, p.Gates, p.C0, p.Cells, w, p.DY, p.DH, p.DC, p.DGates, p.Norms);
        else k.LstmSequenceBackward(p.Gates, p.C0, p.Cells, w, p.DY, p.DH, p.DC, p.DGates, p.Norms);
    }

    private static void SkipUnlessFused() => Skip.IfNot(Sgemm.Wide, "the fused batch-1 loop needs 512-bit vectors; this machine runs the step loop");

    // 32: one slab of 32 units; 96: three of 32; 128: two of 64; 256: four of 64.
    [SkippableTheory, InlineData(32), InlineData(96), InlineData(128), InlineData(256)]
    public void Fused_batch1_loop_matches_the_step_loop(int h)
    {
        SkipUnlessFused();
        var k = new SimdBackend();
        var fused = Make(k, h, seed: h);
        var steps = Make(k, h, seed: h);
        var r = new ReferenceBackend();
        var reference = Make(r, h, seed: h);
        Forward(k, fused, stepByStep: false);
        Forward(k, steps, stepByStep: true);
        Forward(r, reference, stepByStep: true);
        // Forward: the same sums in the same order as the step loop, so bit for bit.
        foreach (var (a, b) in new[] { (fused.Gates, steps.Gates), (fused.Cells, steps.Cells), (fused.Y, steps.Y) })
            Assert.Equal(b.ToArray(), a.ToArray());
        Backward(k, fused, stepByStep: false);
        Backward(k, steps, stepByStep: true);
        // Backward: dG W_hh is summed band by band, so within float rounding of the step loop.
        foreach (var (a, b) in new[] { (fused.DGates, steps.DGates), (fused.DH, steps.DH), (fused.DC, steps.DC) })
            Close(b.ToArray(), a.ToArray(), 1e-5);
        Expect.Close("norms", steps.Norms, fused.Norms, new Tolerance(0, 1e-5));
        Assert.All(fused.Norms, n => Assert.True(n > 0));
        // And the reference backend's step loop, to its own (vectorised tanh, FMA) tolerance.
        Backward(r, reference, stepByStep: true);
        foreach (var (a, b) in new[] { (fused.Y, reference.Y), (fused.Cells, reference.Cells), (fused.DGates, reference.DGates), (fused.DH, reference.DH), (fused.DC, reference.DC) })
            Close(b.ToArray(), a.ToArray(), 1e-4);
    }

    [SkippableFact]
    public void Fused_loop_gives_the_same_bits_on_one_core_as_on_all()
    {
        SkipUnlessFused();
        var k = new SimdBackend();
        var parallel = Make(k, 128, seed: 3);
        var alone = Make(k, 128, seed: 3);
        Forward(k, parallel, stepByStep: false);
        Backward(k, parallel, stepByStep: false);
        // Inside an item of Cores.For, a nested call runs every item on the calling thread.
        Cores.For(2, item =>
        {
            if (item != 0) return;
            Forward(k, alone, stepByStep: false);
            Backward(k, alone, stepByStep: false);
        });
        foreach (var (a, b) in new[] { (parallel.Y, alone.Y), (parallel.Cells, alone.Cells), (parallel.DGates, alone.DGates), (parallel.DH, alone.DH), (parallel.DC, alone.DC) })
            Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Equal(parallel.Norms, alone.Norms);
    }

    [SkippableFact]
    public void Fused_loop_without_output_gradients_or_norms_runs_from_the_final_state_alone()
    {
        SkipUnlessFused();
        var k = new SimdBackend();
        var fused = Make(k, 64, seed: 9);
        var steps = Make(k, 64, seed: 9);
        Forward(k, fused, stepByStep: false);
        Forward(k, steps, stepByStep: true);
        var w = k.Prepare(fused.Weights, transB: false, 4 * 64, 64);
        k.LstmSequenceBackward(fused.Gates, fused.C0, fused.Cells, w, null, fused.DH, fused.DC, fused.DGates, null);
        LstmLoop.Backward(k, steps.Gates, steps.C0, steps.Cells, w, null, steps.DH, steps.DC, steps.DGates, null);
        Close(steps.DGates.ToArray(), fused.DGates.ToArray(), 1e-5);
        Close(steps.DH.ToArray(), fused.DH.ToArray(), 1e-5);
    }

    /// <summary>End to end through the cell: finite differences of every input and parameter element at B = 1, H = 32.</summary>
    [SkippableFact]
    public void Fused_loop_gradients_match_finite_differences()
    {
        SkipUnlessFused();
        var backend = new SimdBackend();
        const int steps = 3, h = 32;
        var config = new RecurrentConfig(CellKind.Lstm, I, h, 1);
        var store = new ParameterStore(backend, RecurrentStack.Specs(config));
        var rng = new Random(11);
        backend.Upload(Enumerable.Range(0, store.Count).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.5f).ToArray(), store.Values);
        var stack = new RecurrentStack(config, store);
        var x = GradCheck.Random(backend, rng, steps, 1, I);
        var h0 = GradCheck.Random(backend, rng, 1, 1, h);
        var c0 = GradCheck.Random(backend, rng, 1, 1, h);
        GradCheck.Check(backend, [x, h0, c0], (g, v) =>
        {
            var r = stack.Forward(g, v[0], v[1], v[2]);
            return g.ConcatColumns([g.Reshape(r.Y, 1, steps * h), g.Reshape(r.Hn, 1, h), g.Reshape(r.Cn!, 1, h)]);
        }, store);
    }

    /// <summary>Within rel of the largest magnitude in expected: an error relative to the tensor's scale, not to each element.</summary>
    private static void Close(float[] expected, float[] actual, double rel)
    {
        double scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        Expect.Close("LSTM sequence", expected, actual, new Tolerance(rel * Math.Max(scale, 1e-30), 0));
    }
}
