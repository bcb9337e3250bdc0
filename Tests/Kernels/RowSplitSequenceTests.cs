// The SIMD backend's row-split time loops (every core runs the whole loop on its own batch rows): held to
// the step-by-step loops they replace on the same backend, bit for bit, for any number of parts (one,
// one per core, more parts than cores, one per row), and to the reference backend's loops within float
// rounding. Every cell kind, with and without output gradients and norms; batches of 2 up, odd ones and
// ones that do not divide among the cores; hidden sizes under, at and off the vector width.
using Engine.Kernels;
using Engine.Tests.Support;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Kernels;

public class RowSplitSequenceTests
{
    private const int T = 5;
    private const float Slope = 0.2f;

    public enum Kind { RnnTanh, RnnRelu, RnnLeaky, Gru, Lstm }

    /// <summary>One pass's tensors. Gates: x W_ih^T (+ biases) [T, B, G H]; Extra: the GRU's recurrent gates, the LSTM's cells.</summary>
    private sealed record Pass(Tensor Gates, Tensor Extra, Tensor Bias, Tensor Weights, Tensor H0, Tensor C0, Tensor Y,
        Tensor DY, Tensor DH, Tensor DC, Tensor DGates, Tensor DGh, double[] Norms);

    private static int Gates(Kind kind) => kind switch
    {
        Kind.RnnTanh or Kind.RnnRelu or Kind.RnnLeaky => 1,
        Kind.Gru => 3,
        Kind.Lstm => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Activation Act(Kind kind) => kind switch
    {
        Kind.RnnTanh => Activation.Tanh,
        Kind.RnnRelu => Activation.Relu,
        Kind.RnnLeaky => Activation.LeakyRelu,
        Kind.Gru or Kind.Lstm => throw new ArgumentException($"{kind} has no single activation"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Pass Make(IBackend k, Kind kind, int b, int h, int seed)
    {
        var rng = new Random(seed);
        int g = Gates(kind) * h;
        Tensor R(double scale, params int[] shape) => k.FromArray(Enumerable.Range(0, ShapeOf.Numel(shape)).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray(), shape);
        return new Pass(R(1, T, b, g), k.Zeros(T, b, kind == Kind.Lstm ? h : g), R(0.5, g), R(1.5 / Math.Sqrt(h), g, h), R(1, b, h), R(1, b, h),
            k.Zeros(T, b, h), R(1, T, b, h), R(1, b, h), R(1, b, h), k.Zeros(T, b, g), k.Zeros(T, b, g), new double[T]);
    }

    /// <summary>Forward then backward: with parts, the SIMD row split in that many parts; without, the step loop on k.</summary>
    private static void Run(IBackend k, Kind kind, Pass p, int? parts, bool outputs)
    {
        int h = p.H0.Columns, g = Gates(kind) * h;
        var forward = k.Prepare(p.Weights, transB: true, h, g);
        var backward = k.Prepare(p.Weights, transB: false, g, h);
        var dY = outputs ? p.DY : null;
        var norms = outputs ? p.Norms : null;
        var s = k as SimdBackend;
        switch (kind)
        {
            case Kind.Gru:
                if (parts is int gp) s!.GruRowSplitForward(p.Gates, p.Extra, p.Bias, forward, p.H0, p.Y, gp);
                else GruLoop.Forward(k, p.Gates, p.Extra, p.Bias, forward, p.H0, p.Y);
                if (parts is int gq) s!.GruRowSplitBackward(p.Gates, p.Extra, p.H0, p.Y, backward, dY, p.DH, p.DGates, p.DGh, norms, gq);
                else GruLoop.Backward(k, p.Gates, p.Extra, p.H0, p.Y, backward, dY, p.DH, p.DGates, p.DGh, norms);
                break;
            case Kind.Lstm:
                if (parts is int lp) s!.LstmRowSplitForward(p.Gates, p.Bias, forward, p.H0, p.C0, p.Extra, p.Y, lp);
                else LstmLoop.Forward(k, p.Gates, p.Bias, forward, p.H0, p.C0, p.Extra, p.Y);
                if (parts is int lq) s!.LstmRowSplitBackward(p.Gates, p.C0, p.Extra, backward, dY, p.DH, p.DC, p.DGates, norms, lq);
                else LstmLoop.Backward(k, p.Gates, p.C0, p.Extra, backward, dY, p.DH, p.DC, p.DGates, norms);
                break;
            case Kind.RnnTanh or Kind.RnnRelu or Kind.RnnLeaky:
                if (parts is int rp) s!.RnnRowSplitForward(Act(kind), Slope, p.Gates, forward, p.H0, p.Y, rp);
                else RnnLoop.Forward(k, Act(kind), Slope, p.Gates, forward, p.H0, p.Y);
                if (parts is int rq) s!.RnnRowSplitBackward(Act(kind), Slope, p.Y, backward, dY, p.DH, p.DGates, norms, rq);
                else RnnLoop.Backward(k, Act(kind), Slope, p.Y, backward, dY, p.DH, p.DGates, norms);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static Tensor[] Outputs(Pass p) => [p.Gates, p.Extra, p.Y, p.DH, p.DC, p.DGates, p.DGh];

    // (B, H): 2 x 7 (one row per core, under one vector), 3 x 16 (odd, one vector), 5 x 33 (odd, a
    // one-unit tail), 7 x 50, 20 x 50 (the small-model bench's shape), 9 x 17.
    private static readonly (int B, int H)[] Shapes = [(2, 7), (3, 16), (5, 33), (7, 50), (20, 50), (9, 17)];

    public static IEnumerable<object[]> Kinds => Enum.GetValues<Kind>().Select(k => new object[] { k });

    private static void SkipUnlessSplit() =>
        Skip.IfNot(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && Sgemm.Supported, "the row-split loops need 512-bit vectors; this machine runs the step loops");

    [SkippableTheory, MemberData(nameof(Kinds))]
    public void Row_split_loops_equal_the_step_loop_for_any_number_of_parts(Kind kind)
    {
        SkipUnlessSplit();
        var k = new SimdBackend();
        var r = new ReferenceBackend();
        foreach (var (b, h) in Shapes)
            foreach (bool outputs in new[] { true, false })
            {
                int seed = b * 1000 + h;
                var steps = Make(k, kind, b, h, seed);
                Run(k, kind, steps, parts: null, outputs);
                var s = Outputs(steps);
                foreach (int parts in new[] { 1, 2, 3, b }.Where(n => n <= b).Distinct())
                {
                    var split = Make(k, kind, b, h, seed);
                    Run(k, kind, split, parts, outputs);
                    var o = Outputs(split);
                    for (int i = 0; i < o.Length; i++) Assert.Equal(s[i].ToArray(), o[i].ToArray()); // the same sums: bit for bit
                    Assert.Equal(steps.Norms, split.Norms);
                }
                if (outputs) Assert.All(steps.Norms, n => Assert.True(n > 0));
                // The reference's step loop, to the fast kernels' tolerance (vectorised tanh and sigmoid, FMA,
                // the GEMM's order of sums): 1e-4 of the largest magnitude, as for the other loop tests.
                var expected = Make(r, kind, b, h, seed);
                Run(r, kind, expected, parts: null, outputs);
                var e = Outputs(expected);
                for (int i = 0; i < s.Length; i++) Close($"{kind} {b}x{h} output {i} vs reference", e[i].ToArray(), s[i].ToArray(), 1e-4);
                if (outputs) Expect.Close($"{kind} {b}x{h} norms", expected.Norms, steps.Norms, new Tolerance(0, 1e-4));
            }
    }

    [SkippableTheory, MemberData(nameof(Kinds))]
    public void The_sequence_kernels_take_the_row_split_and_repeat_it_bit_for_bit(Kind kind)
    {
        SkipUnlessSplit();
        var k = new SimdBackend();
        // Through IBackend, as the cells call it, twice: the same bits, equal to the step loop's.
        var first = Make(k, kind, 20, 50, 4);
        var second = Make(k, kind, 20, 50, 4);
        var steps = Make(k, kind, 20, 50, 4);
        RunThroughBackend(k, kind, first);
        RunThroughBackend(k, kind, second);
        Run(k, kind, steps, parts: null, outputs: true);
        foreach (var (a, b, c) in Outputs(first).Zip(Outputs(second), Outputs(steps)))
        {
            Assert.Equal(a.ToArray(), b.ToArray());
            Assert.Equal(c.ToArray(), a.ToArray());
        }
        Assert.Equal(first.Norms, second.Norms);
    }

    [SkippableFact]
    public void Weights_of_the_wrong_shape_are_refused()
    {
        SkipUnlessSplit();
        var k = new SimdBackend();
        var p = Make(k, Kind.RnnTanh, 4, 8, 1);
        var wrong = k.Prepare(k.Zeros(8, 9), transB: true, 9, 8);
        var e = Assert.Throws<ArgumentException>(() => k.RnnRowSplitForward(Activation.Tanh, 0f, p.Gates, wrong, p.H0, p.Y, 2));
        Assert.Contains("W_hh prepared as [9, 8], expected [8, 8]", e.Message);
    }

    private static void RunThroughBackend(IBackend k, Kind kind, Pass p)
    {
        int h = p.H0.Columns, g = Gates(kind) * h;
        var forward = k.Prepare(p.Weights, transB: true, h, g);
        var backward = k.Prepare(p.Weights, transB: false, g, h);
        switch (kind)
        {
            case Kind.Gru:
                k.GruSequenceForward(p.Gates, p.Extra, p.Bias, forward, p.H0, p.Y);
                k.GruSequenceBackward(p.Gates, p.Extra, p.H0, p.Y, backward, p.DY, p.DH, p.DGates, p.DGh, p.Norms);
                break;
            case Kind.Lstm:
                k.LstmSequenceForward(p.Gates, p.Bias, forward, p.H0, p.C0, p.Extra, p.Y);
                k.LstmSequenceBackward(p.Gates, p.C0, p.Extra, backward, p.DY, p.DH, p.DC, p.DGates, p.Norms);
                break;
            case Kind.RnnTanh or Kind.RnnRelu or Kind.RnnLeaky:
                k.RnnSequenceForward(Act(kind), Slope, p.Gates, forward, p.H0, p.Y);
                k.RnnSequenceBackward(Act(kind), Slope, p.Y, backward, p.DY, p.DH, p.DGates, p.Norms);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static void Close(string what, float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v)));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
    }
}
