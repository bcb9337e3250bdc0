// Every element-wise, reduction, embedding, gate, optimizer and clip kernel of every fast backend
// against the reference, for every length 0..256 (vector tails are where SIMD bugs live) and one long
// enough to be split over the cores, with a fixed seed.
using Engine.Tests.Support;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Kernels;

public class ElementwiseKernelTests
{
    public static IEnumerable<object[]> Backends => BackendCases.Fast;

    private const int MaxLength = 256;

    /// <summary>Long enough for the SIMD backend to split a pass over both cores, and odd.</summary>
    private const int SplitLength = 70_001;

    /// <summary>
    /// Lengths from first to 256: every one on the host backends (vector tails are where SIMD bugs
    /// live). The ILGPU kernels are grid-stride loops with no vector tails, and each launch costs about
    /// a millisecond on the CPU accelerator, so they take the edges that matter to them: below, at and
    /// above one warp or group (32) and several turns of the loop, every 37th length in between.
    /// </summary>
    private static IEnumerable<int> Lengths(string backend, int first = 0) =>
        Enumerable.Range(first, MaxLength + 1 - first).Where(n => !Engine.Kernels.Backends.GpuNames.Contains(backend)
            || n < 3 || n is 31 or 32 or 33 or 63 or 64 or 65 or 255 or 256 || n % 37 == 0);

    private static float[] Random(Rng rng, int n, double lo = -2, double hi = 2) => Enumerable.Range(0, n).Select(_ => (float)rng.Uniform(lo, hi)).ToArray();

    /// <summary>
    /// Runs the same kernel on the reference and on the fast backend over fresh copies of the same
    /// inputs and compares every tensor afterwards (inputs too: in-place kernels write them).
    /// Tolerances: exact arithmetic (add, copy, clamp) must match bit for bit (rel = 0); a fused
    /// multiply-add or a reordered sum may differ by an ulp or so (rel 1e-6); vectorised exp, tanh and
    /// sigmoid agree with the scalar MathF ones to a few ulps, which compounded through a gate
    /// equation stays below 1e-5 relative (abs 1e-6 for values near zero).
    /// </summary>
    private static void Same(string backendName, string what, float[][] inputs, Action<IBackend, Tensor[]> kernel, double rel, double abs = 0)
        => Same(backendName, what, inputs, kernel, new Tolerance(abs, rel));

    private static void Same(string backendName, string what, float[][] inputs, Action<IBackend, Tensor[]> kernel, Tolerance tolerance)
    {
        var reference = BackendCases.Create("reference");
        var fast = BackendCases.Create(backendName);
        Tensor[] Load(IBackend b) => inputs.Select(x => b.FromArray((float[])x.Clone(), x.Length)).ToArray();
        var expected = Load(reference);
        var actual = Load(fast);
        kernel(reference, expected);
        kernel(fast, actual);
        for (int t = 0; t < inputs.Length; t++)
            Expect.Close($"{what} length {inputs[0].Length}: tensor {t}", expected[t].ToArray(), actual[t].ToArray(), tolerance);
    }

    /// <summary>
    /// The optimizers other than SGD: the SIMD backend's vector paths perform the reference's operations
    /// in the reference's order, without fused multiply-adds (square root and division are correctly
    /// rounded everywhere), so they must agree bit for bit. A GPU compiler may fuse a multiply and an
    /// add (one rounding fewer), compounded through the square root and division: 1e-5 relative.
    /// </summary>
    private static Tolerance SameRounding(string backend) => backend == "cpu" ? Tolerance.Exact : new Tolerance(1e-6, 1e-5);

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Arithmetic(string b)
    {
        var rng = new Rng(1);
        foreach (int n in Lengths(b).Append(SplitLength))
        {
            float[][] x = [Random(rng, n), Random(rng, n), Random(rng, n)];
            Same(b, "Add", x, (k, t) => k.Add(t[0], t[1], t[2]), 0);
            Same(b, "Sub", x, (k, t) => k.Sub(t[0], t[1], t[2]), 0);
            Same(b, "Mul", x, (k, t) => k.Mul(t[0], t[1], t[2]), 0);
            Same(b, "MulAccumulate", x, (k, t) => k.MulAccumulate(t[0], t[1], t[2]), 1e-6, 1e-7);
            Same(b, "Axpy", x, (k, t) => k.Axpy(-0.7f, t[0], t[1]), 1e-6, 1e-7);
            Same(b, "Fill/Copy", x, (k, t) => { k.Fill(3.5f, t[0]); k.Copy(t[1], t[2]); }, 0);
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Element_wise_kernels_refuse_operands_of_other_lengths(string b)
    {
        var k = BackendCases.Create(b);
        foreach (int n in new[] { 5, SplitLength })
        {
            Tensor Zeros(int length) => k.FromArray(new float[length], length);
            var x = Zeros(n); var shorter = Zeros(n - 1); var longer = Zeros(n + 1);
            foreach (var other in new[] { shorter, longer })
            {
                Assert.Throws<ArgumentException>(() => k.Add(x, other, x));
                Assert.Throws<ArgumentException>(() => k.Sub(x, x, other));
                Assert.Throws<ArgumentException>(() => k.Mul(other, x, x));
                Assert.Throws<ArgumentException>(() => k.MulAccumulate(x, other, x));
                Assert.Throws<ArgumentException>(() => k.Axpy(1f, x, other));
                Assert.Throws<ArgumentException>(() => k.Dot(x, other));
            }
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Activations_forward_and_backward(string b)
    {
        var rng = new Rng(2);
        foreach (int n in Lengths(b))
            foreach (var f in Enum.GetValues<Activation>())
            {
                float[][] x = [Random(rng, n, -6, 6), new float[n]];
                Same(b, $"{f} forward", x, (k, t) => k.ActivationForward(f, 0.1f, t[0], t[1]), 1e-5, 1e-6);
                float[][] y = [Random(rng, n, -1, 1), Random(rng, n), Random(rng, n)];
                Same(b, $"{f} backward", y, (k, t) => k.ActivationBackward(f, 0.1f, t[0], t[1], t[2]), 1e-6, 1e-7);
            }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Tanh_is_correctly_rounded_and_odd(string b)
    {
        // Host backends: within one ulp of the double-precision tanh, exactly 0 at 0, and odd: a
        // vectorised float tanh that is 55 ulps off near 0 (as System.Numerics.Tensors 10.0's is) fails
        // here. The ILGPU backends build tanh from exp (DeviceMath.Tanh, whose analysis bounds it by
        // about 5e-7 relative with a correctly rounded exp and 2e-6 with PTX's ex2.approx).
        double bound = b == "ilgpu-cpu" ? 5e-7 : b == "cuda" ? 2e-6 : 1.2e-7;
        var k = BackendCases.Create(b);
        var x = Enumerable.Range(-2000, 4001).Select(i => i / 1000f).ToArray();
        var y = k.Zeros(x.Length);
        k.ActivationForward(Activation.Tanh, 0f, k.FromArray(x, x.Length), y);
        var t = y.ToArray();
        Expect.Close("tanh", x.Select(v => Math.Tanh(v)).ToArray(), t.Select(v => (double)v).ToArray(), new Tolerance(0, bound));
        for (int i = 0; i < x.Length; i++) Assert.Equal(-t[i], t[x.Length - 1 - i]);
        Assert.Equal(0f, t[2000]);
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Reductions_are_accurate(string b)
    {
        var rng = new Rng(3);
        var reference = BackendCases.Create("reference");
        var fast = BackendCases.Create(b);
        foreach (int n in Lengths(b).Append(SplitLength))
        {
            var x = Random(rng, n); var y = Random(rng, n);
            // Both accumulate float products exactly in double; only the order differs: ~1e-14 relative
            // over 70,001 terms, against a float sum's ~1e-4.
            double sum = reference.Sum(reference.FromArray(x, n)), dot = reference.Dot(reference.FromArray(x, n), reference.FromArray(y, n));
            Expect.Close($"Sum length {n}", sum, fast.Sum(fast.FromArray(x, n)), new Tolerance(1e-13, 1e-13));
            Expect.Close($"Dot length {n}", dot, fast.Dot(fast.FromArray(x, n), fast.FromArray(y, n)), new Tolerance(1e-13, 1e-13));
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Rows_columns_bias_and_softmax(string b)
    {
        var rng = new Rng(4);
        foreach (int rows in new[] { 1, 3 })
            for (int cols = 1; cols <= 70; cols++)
            {
                int n = rows * cols;
                float[][] m = [Random(rng, n), Random(rng, cols), Random(rng, n)];
                Same(b, "AddBias", m, (k, t) => k.AddBias(t[0].Reshape(rows, cols), t[1], t[2].Reshape(rows, cols)), 0);
                Same(b, "BiasBackward", m, (k, t) => k.BiasBackward(t[0].Reshape(rows, cols), t[1]), 1e-6, 1e-6);
                int c = cols / 2;
                Same(b, "CopyColumns", m, (k, t) => k.CopyColumns(t[0].Reshape(rows, cols), cols - c, t[2].Reshape(rows, cols), 0, c, accumulate: true), 0);
                var targets = Enumerable.Range(0, rows).Select(r => rng.NextInt(cols)).ToArray();
                float[][] s = [Random(rng, n, -8, 8), new float[n], Random(rng, n)];
                Same(b, "SoftmaxCrossEntropy", s, (k, t) =>
                {
                    double loss = k.SoftmaxCrossEntropyForward(t[0].Reshape(rows, cols), targets, t[1].Reshape(rows, cols));
                    k.Fill((float)loss, t[0]);
                    k.SoftmaxCrossEntropyBackward(t[1].Reshape(rows, cols), targets, 0.5f, t[2].Reshape(rows, cols));
                }, 1e-5, 1e-6);
            }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Gate_kernels(string b)
    {
        var rng = new Rng(5);
        const int B = 3;
        for (int h = 1; h <= 40; h++)
        {
            int s = B * h;
            float[][] lstm = [Random(rng, s), Random(rng, 4 * s, -3, 3), new float[s], new float[s]];
            Same(b, "LstmGatesForward", lstm, (k, t) => k.LstmGatesForward(t[0].Reshape(B, h), t[1].Reshape(B, 4 * h), t[2].Reshape(B, h), t[3].Reshape(B, h)), 1e-5, 1e-6);
            float[][] lstmBack = [Random(rng, 4 * s, 0, 1), Random(rng, s), Random(rng, s), Random(rng, s), Random(rng, s), new float[4 * s]];
            Same(b, "LstmGatesBackward", lstmBack, (k, t) => k.LstmGatesBackward(t[0].Reshape(B, 4 * h), t[1].Reshape(B, h), t[2].Reshape(B, h), t[3].Reshape(B, h), t[4].Reshape(B, h), t[5].Reshape(B, 4 * h)), 1e-5, 1e-6);
            float[][] gru = [Random(rng, s), Random(rng, 3 * s, -3, 3), Random(rng, 3 * s), new float[s]];
            Same(b, "GruGatesForward", gru, (k, t) => k.GruGatesForward(t[0].Reshape(B, h), t[1].Reshape(B, 3 * h), t[2].Reshape(B, 3 * h), t[3].Reshape(B, h)), 1e-5, 1e-6);
            float[][] gruBack = [Random(rng, s), Random(rng, 3 * s, 0, 1), Random(rng, 3 * s), Random(rng, s), new float[3 * s], new float[3 * s], new float[s]];
            Same(b, "GruGatesBackward", gruBack, (k, t) => k.GruGatesBackward(t[0].Reshape(B, h), t[1].Reshape(B, 3 * h), t[2].Reshape(B, 3 * h), t[3].Reshape(B, h), t[4].Reshape(B, 3 * h), t[5].Reshape(B, 3 * h), t[6].Reshape(B, h)), 1e-5, 1e-6);
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Optimizer_updates(string b)
    {
        // Every optimizer in each of its variants (momentum, Nesterov, centered, coupled and decoupled
        // weight decay, a scaled gradient), guarded; t = [grad, param, a state in (0, 1), a state, a state].
        var rng = new Rng(6);
        var exact = SameRounding(b);
        foreach (int n in Lengths(b).Append(SplitLength))
        {
            float[][] x = [Random(rng, n), Random(rng, n), Random(rng, n, 0.5, 1), Random(rng, n, -0.1, 0.1), Random(rng, n)];
            // SGD's vector path fuses its multiply-adds: an ulp per operation, and p - lr g may cancel (abs 1e-7).
            Same(b, "Sgd Nesterov", x, (k, t) => k.SgdUpdate(t[0], new SgdStep(0.5f, 0.1f, 0.9f, 0.01f, Nesterov: true, FirstStep: false, Guard: true), t[4], t[1]), 1e-6, 1e-7);
            Same(b, "Sgd momentum first step", x, (k, t) => k.SgdUpdate(t[0], new SgdStep(1f, 0.1f, 0.9f, 0f, Nesterov: false, FirstStep: true, Guard: true), t[4], t[1]), 1e-6, 1e-7);
            Same(b, "Sgd plain", x, (k, t) => k.SgdUpdate(t[0], new SgdStep(1f, 0.1f, 0f, 0.01f, Nesterov: false, FirstStep: false, Guard: false), null, t[1]), 1e-6, 1e-7);
            Same(b, "Adam", x, (k, t) => k.AdamUpdate(t[0], new AdamStep(0.5f, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, Decoupled: false, 0.05f, 0.3f, Guard: true), t[4], t[2], t[1]), exact);
            Same(b, "AdamW", x, (k, t) => k.AdamUpdate(t[0], new AdamStep(1f, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, Decoupled: true, 0.05f, 0.3f, Guard: true), t[4], t[2], t[1]), exact);
            Same(b, "Rmsprop momentum", x, (k, t) => k.RmspropUpdate(t[0], new RmspropStep(1f, 0.01f, 0.99f, 1e-8f, 0f, 0.9f, Guard: true), t[2], null, t[4], t[1]), exact);
            Same(b, "Rmsprop centered", x, (k, t) => k.RmspropUpdate(t[0], new RmspropStep(0.5f, 0.01f, 0.9f, 1e-8f, 0.01f, 0f, Guard: true), t[2], t[3], null, t[1]), exact);
            Same(b, "Rmsprop centered momentum", x, (k, t) => k.RmspropUpdate(t[0], new RmspropStep(1f, 0.01f, 0.99f, 1e-6f, 0.01f, 0.5f, Guard: false), t[2], t[3], t[4], t[1]), exact);
            Same(b, "Rmsprop plain", x, (k, t) => k.RmspropUpdate(t[0], new RmspropStep(1f, 0.01f, 0.99f, 1e-8f, 0f, 0f, Guard: true), t[2], null, null, t[1]), exact);
            Same(b, "Adagrad", x, (k, t) => k.AdagradUpdate(t[0], new AdagradStep(1f, 0.05f, 1e-10f, 0f, Guard: true), t[2], t[1]), exact);
            Same(b, "Adagrad decayed", x, (k, t) => k.AdagradUpdate(t[0], new AdagradStep(0.5f, 0.02f, 1e-8f, 0.01f, Guard: false), t[2], t[1]), exact);
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Every_guarded_optimizer_counts_the_weights_it_kept(string b)
    {
        // A rate of 1e38 times a gradient of 4 to 8 overflows (Adam: divided by a denominator of about
        // eps = 1e-8, its second bias correction being 1e30); a gradient of 1e-30 does not. The guard keeps
        // exactly the weights with a large gradient, on the vector lanes, the tails and both cores' halves.
        var rng = new Rng(10);
        var reference = BackendCases.Create("reference");
        var fast = BackendCases.Create(b);
        foreach (int n in new[] { 1, 17, 33, 255, SplitLength })
        {
            float[] grad = Random(rng, n, 4, 8), param = Random(rng, n), state = Random(rng, n, 0.5, 1);
            for (int i = 0; i < n; i++) grad[i] = i % 3 == 0 ? 1e-30f : i % 2 == 0 ? grad[i] : -grad[i];
            long Count(IBackend k, Func<IBackend, Tensor, Tensor, Tensor, long> update) =>
                update(k, k.FromArray(grad, n), k.FromArray((float[])param.Clone(), n), k.FromArray((float[])state.Clone(), n));
            var updates = new (string Name, Func<IBackend, Tensor, Tensor, Tensor, long> Update)[]
            {
                ("Sgd", (k, g, p, s) => k.SgdUpdate(g, new SgdStep(1f, 1e38f, 0f, 0f, false, true, Guard: true), null, p)),
                ("Adam", (k, g, p, s) => k.AdamUpdate(g, new AdamStep(1f, 1f, 0.9f, 0.999f, 1e-8f, 0f, false, 1e38f, 1e30f, Guard: true), k.Zeros(n), s, p)),
                ("Rmsprop", (k, g, p, s) => k.RmspropUpdate(g, new RmspropStep(1f, 1e38f, 0.99f, 1e-8f, 0f, 0f, Guard: true), s, null, null, p)),
                ("Adagrad", (k, g, p, s) => k.AdagradUpdate(g, new AdagradStep(1f, 1e38f, 1e-10f, 0f, Guard: true), s, p)),
            };
            foreach (var (name, update) in updates)
            {
                int large = n - (n + 2) / 3;
                Assert.Equal(large, Count(reference, update));
                Assert.Equal(large, Count(fast, update));
            }
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Optimizer_updates_of_large_buffers_split_over_both_cores(string b)
    {
        // Long enough for the two-core path (65,536 and up), with an odd tail, and one update in each
        // half that would overflow: the guard keeps those weights and both halves' counts add up.
        var rng = new Rng(9);
        int n = 150_003;
        float[][] x = [Random(rng, n), Random(rng, n), Random(rng, n, 0, 1), Random(rng, n)];
        foreach (int i in new[] { 17, 149_990 }) x[0][i] = float.MaxValue;
        long keptReference = 0, kept = 0;
        Same(b, "Sgd", x, (k, t) =>
        {
            long count = k.SgdUpdate(t[0], new SgdStep(1f, 1e30f, 0f, 0f, false, true, Guard: true), null, t[1]);
            if (k.Name == "reference") keptReference = count; else kept = count;
        }, 1e-6, 1e-7);
        Assert.Equal(2, keptReference);
        Assert.Equal(keptReference, kept);
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Segment_statistics_of_large_buffers_read_in_blocks_on_both_cores(string b)
    {
        // Long enough for the block-parallel path: 200,003 floats in segments that straddle block edges.
        var rng = new Rng(8);
        var x = Random(rng, 200_003);
        x[150_000] = float.PositiveInfinity;
        int[] offsets = [0, 16_385, 100_000], lengths = [16_385, 83_615, 100_003];
        var reference = BackendCases.Create("reference");
        var fast = BackendCases.Create(b);
        var e = new SegmentStatistics[3]; var a = new SegmentStatistics[3];
        reference.SegmentStatistics(reference.FromArray(x, x.Length), offsets, lengths, e);
        for (int repeat = 0; repeat < 3; repeat++)
        {
            fast.SegmentStatistics(fast.FromArray(x, x.Length), offsets, lengths, a);
            for (int s = 0; s < 3; s++)
            {
                Assert.Equal(e[s].NonFinite, a[s].NonFinite);
                Assert.Equal(e[s].MaxAbs, a[s].MaxAbs);
                // Double sums of the same float terms in another order: 1e-12 relative.
                Expect.Close($"block statistics segment {s}", [e[s].SumSquares, e[s].SumAbs], [a[s].SumSquares, a[s].SumAbs], new Tolerance(1e-12, 1e-12));
            }
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Segment_statistics_count_the_largest_finite_floats_as_finite(string b)
    {
        // Their squares overflow a float but not a double: finite gradients, a finite norm.
        var fast = BackendCases.Create(b);
        foreach (int n in new[] { 40, 1000, 70_000 })
        {
            var x = new float[n];
            x[n / 2] = float.MaxValue;
            x[n - 1] = -float.MaxValue;
            var a = new SegmentStatistics[1];
            fast.SegmentStatistics(fast.FromArray(x, n), [0], [n], a);
            Assert.Equal(0, a[0].NonFinite);
            Expect.Close("sum of squares", 2.0 * float.MaxValue * (double)float.MaxValue, a[0].SumSquares, new Tolerance(0, 1e-15));
            Assert.Equal(float.MaxValue, a[0].MaxAbs);
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Guarded_updates_keep_weights_that_would_overflow(string b)
    {
        // lr 1e10 times a gradient of 1e30 overflows to -infinity; the guard keeps those weights (and
        // counts them), unguarded they become infinite as in PyTorch. Elements with a small gradient update.
        foreach (var k in new[] { BackendCases.Create("reference"), BackendCases.Create(b) })
            for (int n = 1; n <= 40; n++)
            {
                var grads = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? 1e30f : 1f).ToArray();
                int huge = grads.Count(g => g > 1);
                var param = k.FromArray(new float[n], n);
                Assert.Equal(huge, k.SgdUpdate(k.FromArray(grads, n), new SgdStep(1f, 1e10f, 0f, 0f, false, true, Guard: true), null, param));
                var p = param.ToArray();
                for (int i = 0; i < n; i++) Assert.Equal(i % 3 == 0 ? 0f : -1e10f, p[i]);
                Assert.Equal(0, k.SgdUpdate(k.FromArray(grads, n), new SgdStep(1f, 1e10f, 0f, 0f, false, true, Guard: false), null, param));
                Assert.True(float.IsNegativeInfinity(param.ToArray()[0]));
            }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Clip_kernels(string b)
    {
        var rng = new Rng(7);
        var reference = BackendCases.Create("reference");
        var fast = BackendCases.Create(b);
        foreach (int n in Lengths(b, first: 1))
        {
            var x = Random(rng, n);
            if (n % 5 == 0) x[rng.NextInt(n)] = n % 10 == 0 ? float.NaN : float.NegativeInfinity;
            int[] offsets = [0, n / 3], lengths = [n / 3, n - n / 3];
            var e = new SegmentStatistics[2]; var a = new SegmentStatistics[2];
            reference.SegmentStatistics(reference.FromArray(x, n), offsets, lengths, e);
            fast.SegmentStatistics(fast.FromArray(x, n), offsets, lengths, a);
            for (int s = 0; s < 2; s++)
            {
                Assert.Equal(e[s].NonFinite, a[s].NonFinite);
                Assert.Equal(e[s].MaxAbs, a[s].MaxAbs);
                // Double sums of the same float terms in another order (NaN and infinity propagate alike).
                Expect.Close($"statistics length {n} segment {s}", [e[s].SumSquares, e[s].SumAbs], [a[s].SumSquares, a[s].SumAbs], new Tolerance(1e-12, 1e-12));
            }
            float[][] g = [Random(rng, n)];
            Same(b, "ClampValues", g, (k, t) => k.ClampValues(0.5f, t[0]), 0);
            Expect.Close($"ClampValues sum length {n}", reference.ClampValues(0.5f, reference.FromArray(g[0], n)), fast.ClampValues(0.5f, fast.FromArray(g[0], n)), new Tolerance(1e-12, 1e-12));
            Same(b, "ScaleSegments", g, (k, t) => k.ScaleSegments([0.5f, 3f], offsets, lengths, t[0]), 0);
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Replace_non_finite(string b)
    {
        // A select per element: bit for bit. NaN, both infinities and the largest floats (which stay) at
        // positions that fall on vector lanes and on tails.
        var rng = new Rng(11);
        foreach (int n in Lengths(b).Append(SplitLength))
        {
            var x = Random(rng, n);
            for (int i = 0; i < n; i += 7) x[i] = (i / 7 % 4) switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, _ => float.MaxValue };
            Same(b, "ReplaceNonFinite", [x], (k, t) => k.ReplaceNonFinite(-0.25f, t[0]), Tolerance.Exact);
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Adaptive_clip(string b)
    {
        // A matrix segment (units of 1 to 13 elements) and a vector segment (one unit per element) over
        // every length, and a long buffer with long units split over the cores. Norms are double sums in
        // another order, so a unit's float scale may differ by an ulp: 1e-6 relative on the gradients and
        // on the sum of squares; the units clipped must be the same. Every fifth length holds a NaN or an
        // infinity, which both sides propagate alike.
        var rng = new Rng(12);
        var reference = BackendCases.Create("reference");
        var fast = BackendCases.Create(b);
        var tolerance = new Tolerance(1e-7, 1e-6);
        foreach (int n in Lengths(b).Append(SplitLength))
        {
            int width = n == SplitLength ? 300 : 1 + n % 13, rows = n / 2 / width, matrix = rows * width;
            int[] offsets = [0, matrix], units = [rows, n - matrix], lengths = [width, 1];
            var values = Random(rng, n); var grads = Random(rng, n);
            if (n % 5 == 0 && n > 0) grads[rng.NextInt(n)] = n % 10 == 0 ? float.NaN : float.PositiveInfinity;
            AdaptiveClipResult Run(IBackend k, out float[] clipped)
            {
                var g = k.FromArray((float[])grads.Clone(), n);
                var result = k.AdaptiveClip(k.FromArray(values, n), offsets, units, lengths, 1f, 1e-3f, g);
                clipped = g.ToArray();
                return result;
            }
            var e = Run(reference, out var expected);
            var a = Run(fast, out var actual);
            Expect.Close($"AdaptiveClip length {n}", expected, actual, tolerance);
            Expect.Close($"AdaptiveClip sum of squares length {n}", e.SumSquaresAfter, a.SumSquaresAfter, tolerance);
            Assert.Equal(e.UnitsClipped, a.UnitsClipped);
            if (n >= 20) Assert.InRange(e.UnitsClipped, 1, rows + n - matrix - 1); // some units clipped, some not
        }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Embedding_forward_and_backward(string b)
    {
        // Copies, and additions into each table element in the order of n: bit for bit. Every width
        // 1..256 with repeated ids (a row accumulated more than once), and a batch long enough to be
        // split over the cores.
        var rng = new Rng(13);
        foreach (int e in Lengths(b, first: 1))
            Embedding(b, rng, e, rows: 5, ids: 9);
        Embedding(b, rng, 100, rows: 65, ids: 700);
    }

    private static void Embedding(string b, Rng rng, int e, int rows, int ids)
    {
        var id = Enumerable.Range(0, ids).Select(_ => rng.NextInt(rows)).ToArray();
        float[][] x = [Random(rng, rows * e), new float[ids * e], Random(rng, ids * e), Random(rng, rows * e)];
        Same(b, "EmbeddingForward", x, (k, t) => k.EmbeddingForward(t[0].Reshape(rows, e), id, t[1].Reshape(ids, e)), Tolerance.Exact);
        Same(b, "EmbeddingBackward", x, (k, t) => k.EmbeddingBackward(t[2].Reshape(ids, e), id, t[3].Reshape(rows, e)), Tolerance.Exact);
    }
}
