// The RNN and GRU time-loop kernels (IBackend.RnnSequence*, GruSequence*) against the step-by-step loops
// they stand for (RnnLoop, GruLoop: one call per kernel per step), which every backend runs today, so
// they must agree bit for bit; and each backend's loop against the reference backend's, within float
// rounding. Every cell kind, with and without output gradients; hidden sizes on both sides of the
// vector width, batch sizes odd and even. A backend that fuses a loop (as the SIMD backend does the
// LSTM's) is held to the same tests.
using Engine.Kernels;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Kernels;

public class RecurrentSequenceTests
{
    private const int T = 6;

    public enum Kind { RnnTanh, RnnRelu, RnnLeaky, Gru }

    private sealed record Pass(Tensor Pre, Tensor Recurrent, Tensor Bias, Tensor Weights, Tensor H0, Tensor Y, Tensor DY, Tensor DH, Tensor DPre, Tensor DGh, double[] Norms);

    private static int Gates(Kind kind) => kind == Kind.Gru ? 3 : 1;

    private static Activation Act(Kind kind) => kind switch
    {
        Kind.RnnTanh => Activation.Tanh,
        Kind.RnnRelu => Activation.Relu,
        Kind.RnnLeaky => Activation.LeakyRelu,
        Kind.Gru => throw new ArgumentException("the GRU has no single activation"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private const float Slope = 0.2f;

    private static Pass Make(IBackend k, Kind kind, int b, int h, int seed)
    {
        var rng = new Random(seed);
        int g = Gates(kind) * h;
        Tensor R(double scale, params int[] shape) => k.FromArray(Enumerable.Range(0, ShapeOf.Numel(shape)).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray(), shape);
        return new Pass(R(1, T, b, g), k.Zeros(T, b, g), R(0.5, g), R(1.5 / Math.Sqrt(h), g, h), R(1, b, h), k.Zeros(T, b, h),
            R(1, T, b, h), R(1, b, h), k.Zeros(T, b, g), k.Zeros(T, b, g), new double[T]);
    }

    private static void Run(IBackend k, Kind kind, Pass p, bool stepByStep, bool withOutputGradients = true)
    {
        int h = p.H0.Columns, g = Gates(kind) * h;
        var forward = k.Prepare(p.Weights, transB: true, h, g);
        var backward = k.Prepare(p.Weights, transB: false, g, h);
        var dY = withOutputGradients ? p.DY : null;
        if (kind == Kind.Gru)
        {
            if (stepByStep) GruLoop.Forward(k, p.Pre, p.Recurrent, p.Bias, forward, p.H0, p.Y);
            else k.GruSequenceForward(p.Pre, p.Recurrent, p.Bias, forward, p.H0, p.Y);
            if (stepByStep) GruLoop.Backward(k, p.Pre, p.Recurrent, p.H0, p.Y, backward, dY, p.DH, p.DPre, p.DGh, p.Norms);
            else k.GruSequenceBackward(p.Pre, p.Recurrent, p.H0, p.Y, backward, dY, p.DH, p.DPre, p.DGh, p.Norms);
        }
        else
        {
            if (stepByStep) RnnLoop.Forward(k, Act(kind), Slope, p.Pre, forward, p.H0, p.Y);
            else k.RnnSequenceForward(Act(kind), Slope, p.Pre, forward, p.H0, p.Y);
            if (stepByStep) RnnLoop.Backward(k, Act(kind), Slope, p.Y, backward, dY, p.DH, p.DPre, p.Norms);
            else k.RnnSequenceBackward(Act(kind), Slope, p.Y, backward, dY, p.DH, p.DPre, p.Norms);
        }
    }

    private static Tensor[] Outputs(Pass p) => [p.Pre, p.Recurrent, p.Y, p.DH, p.DPre, p.DGh];

    public static IEnumerable<object[]> Cases =>
        from kind in Enum.GetValues<Kind>()
        from backend in BackendCases.All
        select new object[] { kind, backend[0] };

    // (B, H): 1 x 7 (under one vector), 2 x 8 (one vector), 3 x 33, 20 x 50 (the small-model bench's
    // shape), 4 x 140.
    private static readonly (int B, int H)[] Shapes = [(1, 7), (2, 8), (3, 33), (20, 50), (4, 140)];

    [SkippableTheory, MemberData(nameof(Cases))]
    public void Sequence_kernels_match_the_step_loop(Kind kind, string backendName)
    {
        var k = BackendCases.Create(backendName);
        bool reference = k is ReferenceBackend;
        foreach (var (b, h) in Shapes)
            foreach (bool outputs in new[] { true, false })
            {
                int seed = b * 1000 + h;
                var whole = Make(k, kind, b, h, seed);
                var steps = Make(k, kind, b, h, seed);
                Run(k, kind, whole, stepByStep: false, outputs);
                Run(k, kind, steps, stepByStep: true, outputs);
                var w = Outputs(whole);
                var s = Outputs(steps);
                for (int i = 0; i < w.Length; i++) Assert.Equal(s[i].ToArray(), w[i].ToArray()); // the same loop: bit for bit
                Assert.Equal(steps.Norms, whole.Norms);
                Assert.All(whole.Norms, n => Assert.True(n > 0));
                if (reference) continue;
                // Against the reference backend's loop, to the fast kernels' own tolerance (vectorised tanh
                // and sigmoid, FMA, the GEMM's order of sums): 1e-4 relative as for the LSTM's loop.
                var r = new ReferenceBackend();
                var expected = Make(r, kind, b, h, seed);
                Run(r, kind, expected, stepByStep: true, outputs);
                var e = Outputs(expected);
                for (int i = 0; i < w.Length; i++) Close($"{kind} {b}x{h} output {i} vs reference", e[i].ToArray(), w[i].ToArray(), 1e-4);
            }
    }

    [Fact]
    public void The_cpu_loops_are_deterministic()
    {
        var k = new SimdBackend();
        foreach (var kind in Enum.GetValues<Kind>())
        {
            var a = Make(k, kind, 20, 50, 1);
            var b = Make(k, kind, 20, 50, 1);
            Run(k, kind, a, stepByStep: false);
            Run(k, kind, b, stepByStep: false);
            foreach (var (x, y) in Outputs(a).Zip(Outputs(b))) Assert.Equal(x.ToArray(), y.ToArray());
            Assert.Equal(a.Norms, b.Norms);
        }
    }

    private static void Close(string what, float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(v => Math.Abs((double)v)));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
    }
}
