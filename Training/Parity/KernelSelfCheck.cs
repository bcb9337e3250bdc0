// KernelSelfCheck: every kernel of the IBackend interface run on a device and on a trusted backend
// (the CPU SIMD one) over the same seeded inputs, with every output compared, and every reduction
// repeated on the device to prove it bit-identical from call to call. This is what `selfcheck`
// runs on a new GPU before anyone trusts its training numbers. Not a unit test: the suite has
// those; this one runs where the suite cannot (the GPU machine has no SDK, only a bundle).
using System.Diagnostics;

namespace Engine.Training.Parity;

/// <summary>One kernel's comparison: worst errors over its outputs, whether every element is within tolerance, whether it repeated exactly.</summary>
public sealed record KernelCheck(string Kernel, double MaxAbsolute, double MaxRelative, bool WithinTolerance, bool Repeats, double Milliseconds)
{
    public bool Passed => WithinTolerance && Repeats;
}

public static class KernelSelfCheck
{
    // Tolerances (Tolerance: |device - trusted| <= abs + rel |trusted| per element, NaN matching NaN):
    //  - exact: one IEEE operation or a copy per element, correctly rounded everywhere;
    //  - fused: a multiply then an add, which a GPU compiler may fuse into one FMA (one rounding fewer);
    //  - transcendental: exp-based sigmoid and tanh (PTX ex2.approx is about 2^-22 relative), compounded
    //    through a gate equation or an optimizer's square root and division;
    //  - sums: double accumulation in another order, exact to ~1e-12 relative.
    private static readonly Tolerance Exact = Tolerance.Exact, Fused = new(1e-6, 1e-6), Transcendental = new(1e-6, 2e-5), Sums = new(1e-9, 1e-10);

    private delegate float[][] Kernel(IBackend k, Inputs x);

    /// <summary>Seeded host inputs; each call to Tensor gives a fresh device copy, so in-place kernels start alike on both sides.</summary>
    private sealed class Inputs(IBackend backend, ulong seed)
    {
        private readonly Rng rng = new(seed);

        public float[] Values(int n, double lo = -1, double hi = 1) => Enumerable.Range(0, n).Select(_ => (float)rng.Uniform(lo, hi)).ToArray();

        public Tensor Tensor(float[] values, params int[] shape) => backend.FromArray(values, shape.Length == 0 ? [values.Length] : shape);

        public Tensor Random(int n, double lo = -1, double hi = 1) => Tensor(Values(n, lo, hi));

        public int[] Ids(int n, int bound) => Enumerable.Range(0, n).Select(_ => rng.NextInt(bound)).ToArray();
    }

    private sealed record Case(string Name, Tolerance Tolerance, Kernel Run, bool Reduction = false);

    /// <summary>
    /// Runs every case on device and trusted. elements sets the size of the element-wise cases (odd, so
    /// grid-stride tails are exercised); matrices scale with it.
    /// </summary>
    public static IReadOnlyList<KernelCheck> Run(IBackend device, IBackend trusted, int elements)
    {
        var results = new List<KernelCheck>();
        ulong seed = 1;
        foreach (var c in Cases(elements))
        {
            seed++;
            var expected = c.Run(trusted, new Inputs(trusted, seed));
            var clock = Stopwatch.StartNew();
            var actual = c.Run(device, new Inputs(device, seed));
            device.Synchronize();
            double ms = clock.Elapsed.TotalMilliseconds;
            bool repeats = !c.Reduction || Same(actual, c.Run(device, new Inputs(device, seed)));
            var comparison = expected.Length == actual.Length
                ? expected.Zip(actual, (e, a) => c.Tolerance.Compare(e, a)).Aggregate(Comparison.Start(0, 0), (all, one) => all.And(one))
                : Comparison.Start(expected.Length, actual.Length);
            results.Add(new KernelCheck(c.Name, comparison.MaxAbsolute, comparison.MaxRelative, comparison.Passed, repeats, ms));
        }
        return results;
    }

    private static bool Same(float[][] a, float[][] b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    private static float[][] Out(params Tensor[] tensors) => tensors.Select(t => t.ToArray()).ToArray();

    private static float[] Scalars(params double[] values) => values.Select(v => (float)v).ToArray();

    private static float[] Flatten(SegmentStatistics[] stats) =>
        stats.SelectMany(s => new[] { (float)s.SumSquares, (float)s.SumAbs, (float)s.MaxAbs, s.NonFinite }).ToArray();

    private static IEnumerable<Case> Cases(int n)
    {
        int rows = Math.Max(3, (int)Math.Sqrt(n) / 4), hidden = Math.Max(5, rows + 3), vocabulary = 67;

        yield return new("Fill/Copy/Upload", Exact, (k, x) => { var a = x.Random(n); var b = x.Random(n); k.Fill(0.25f, a); k.Copy(a, b); return Out(a, b); });
        yield return new("Add", Exact, (k, x) => { var a = x.Random(n); var y = x.Random(n); k.Add(a, x.Random(n), y); return Out(y); });
        yield return new("Sub", Exact, (k, x) => { var a = x.Random(n); var y = x.Random(n); k.Sub(a, x.Random(n), y); return Out(y); });
        yield return new("Mul", Exact, (k, x) => { var a = x.Random(n); var y = x.Random(n); k.Mul(a, x.Random(n), y); return Out(y); });
        yield return new("MulAccumulate", Fused, (k, x) => { var a = x.Random(n); var b = x.Random(n); var y = x.Random(n); k.MulAccumulate(a, b, y); return Out(y); });
        yield return new("Axpy", Fused, (k, x) => { var a = x.Random(n); var y = x.Random(n); k.Axpy(-0.75f, a, y); return Out(y); });
        foreach (var f in Enum.GetValues<Activation>())
        {
            var tolerance = f is Activation.Sigmoid or Activation.Tanh ? Transcendental : Exact;
            yield return new($"ActivationForward {f}", tolerance, (k, x) => { var a = x.Random(n, -5, 5); var y = x.Random(n); k.ActivationForward(f, 0.1f, a, y); return Out(y); });
            yield return new($"ActivationBackward {f}", Fused, (k, x) => { var y = x.Random(n); var dY = x.Random(n); var dX = x.Random(n); k.ActivationBackward(f, 0.1f, y, dY, dX); return Out(dX); });
        }
        yield return new("CopyColumns", Exact, (k, x) =>
        {
            var src = x.Tensor(x.Values(rows * 11), rows, 11); var dst = x.Tensor(x.Values(rows * 7), rows, 7);
            k.CopyColumns(src, 3, dst, 1, 5, accumulate: false);
            k.CopyColumns(src, 0, dst, 2, 4, accumulate: true);
            return Out(dst);
        });

        int m = rows + 1, nn = 2 * rows + 3, kk = rows + 7;
        // A K-term dot product rounds at most K times: the bound grows with K (terms are below 1 here).
        var gemmTolerance = new Tolerance(1e-6 * kk, 1e-5);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                yield return new($"Gemm{(ta ? "T" : "N")}{(tb ? "T" : "N")}", gemmTolerance, (k, x) =>
                {
                    var a = x.Random(m * kk); var b = x.Random(kk * nn); var c = x.Random(m * nn);
                    k.Gemm(ta, tb, m, nn, kk, 0.75f, a, b, 0.5f, c);
                    return Out(c);
                });
        yield return new("Gemm prepared", gemmTolerance, (k, x) =>
        {
            var a = x.Random(m * kk); var b = x.Random(kk * nn); var c = x.Random(m * nn);
            k.Gemm(false, m, 1f, a, k.Prepare(b, true, kk, nn), 0f, c);
            return Out(c);
        });
        yield return new("AddBias/BiasBackward", Fused, (k, x) =>
        {
            var y = x.Tensor(x.Values(rows * hidden), rows, hidden); var bias = x.Random(hidden); var dBias = x.Random(hidden);
            k.AddBias(y, bias, y);
            k.BiasBackward(y, dBias);
            return Out(y, dBias);
        }, Reduction: true);
        yield return new("Sum/Dot", Sums, (k, x) => { var a = x.Random(n); var b = x.Random(n); return [Scalars(k.Sum(a), k.Dot(a, b))]; }, Reduction: true);
        yield return new("Embedding", Exact, (k, x) =>
        {
            var table = x.Tensor(x.Values(vocabulary * hidden), vocabulary, hidden); var ids = x.Ids(4 * rows, vocabulary);
            var y = x.Tensor(new float[ids.Length * hidden], ids.Length, hidden);
            k.EmbeddingForward(table, ids, y);
            var dTable = x.Tensor(x.Values(vocabulary * hidden), vocabulary, hidden);
            k.EmbeddingBackward(y, ids, dTable);
            return Out(y, dTable);
        }, Reduction: true);
        yield return new("SoftmaxCrossEntropy", Transcendental, (k, x) =>
        {
            var logits = x.Tensor(x.Values(rows * vocabulary, -6, 6), rows, vocabulary); var probs = x.Tensor(new float[rows * vocabulary], rows, vocabulary);
            var targets = x.Ids(rows, vocabulary); var dLogits = x.Tensor(x.Values(rows * vocabulary), rows, vocabulary);
            double loss = k.SoftmaxCrossEntropyForward(logits, targets, probs);
            k.SoftmaxCrossEntropyBackward(probs, targets, 0.5f, dLogits);
            return [.. Out(probs, dLogits), Scalars(loss)];
        }, Reduction: true);

        int units = rows * hidden;
        yield return new("LstmGates", Transcendental, (k, x) =>
        {
            var cPrev = x.Tensor(x.Values(units), rows, hidden); var gates = x.Tensor(x.Values(4 * units, -3, 3), rows, 4 * hidden);
            var c = x.Tensor(new float[units], rows, hidden); var h = x.Tensor(new float[units], rows, hidden);
            k.LstmGatesForward(cPrev, gates, c, h);
            var dH = x.Tensor(x.Values(units), rows, hidden); var dC = x.Tensor(x.Values(units), rows, hidden);
            var dGates = x.Tensor(new float[4 * units], rows, 4 * hidden);
            k.LstmGatesBackward(gates, cPrev, c, dH, dC, dGates);
            return Out(gates, c, h, dC, dGates);
        });
        yield return new("GruGates", Transcendental, (k, x) =>
        {
            var hPrev = x.Tensor(x.Values(units), rows, hidden); var gx = x.Tensor(x.Values(3 * units, -3, 3), rows, 3 * hidden);
            var gh = x.Tensor(x.Values(3 * units), rows, 3 * hidden); var h = x.Tensor(new float[units], rows, hidden);
            k.GruGatesForward(hPrev, gx, gh, h);
            var dH = x.Tensor(x.Values(units), rows, hidden);
            var dGx = x.Tensor(new float[3 * units], rows, 3 * hidden); var dGh = x.Tensor(new float[3 * units], rows, 3 * hidden);
            var dHPrev = x.Tensor(new float[units], rows, hidden);
            k.GruGatesBackward(hPrev, gx, gh, dH, dGx, dGh, dHPrev);
            return Out(gx, h, dGx, dGh, dHPrev);
        });

        int[] offsets = [0, n / 7, n / 7 + 5], lengths = [n / 7, 5, n - n / 7 - 5];
        yield return new("SegmentStatistics", Sums, (k, x) =>
        {
            var values = x.Values(n);
            values[n / 2] = float.NaN;
            values[n / 9] = float.NegativeInfinity;
            var stats = new SegmentStatistics[3];
            k.SegmentStatistics(x.Tensor(values), offsets, lengths, stats);
            return [Flatten(stats)];
        }, Reduction: true);
        yield return new("ScaleSegments/ReplaceNonFinite", Exact, (k, x) =>
        {
            var values = x.Values(n);
            values[n / 3] = float.PositiveInfinity;
            var g = x.Tensor(values);
            k.ReplaceNonFinite(0f, g);
            k.ScaleSegments([0.5f, 3f, 0.25f], offsets, lengths, g);
            return Out(g);
        });
        yield return new("ClampValues", Sums, (k, x) => { var g = x.Random(n); double after = k.ClampValues(0.3f, g); return [.. Out(g), Scalars(after)]; }, Reduction: true);
        yield return new("AdaptiveClip", Fused, (k, x) =>
        {
            int r = rows, w = hidden;
            var values = x.Random(r * w + w); var grads = x.Random(r * w + w, -3, 3);
            var result = k.AdaptiveClip(values, [0, r * w], [r, w], [w, 1], 0.05f, 1e-3f, grads);
            return [.. Out(grads), Scalars(result.SumSquaresAfter, result.UnitsClipped)];
        }, Reduction: true);

        yield return new("SgdUpdate", Fused, (k, x) =>
        {
            var g = x.Random(n); var p = x.Random(n); var buf = x.Random(n);
            long kept = k.SgdUpdate(g, new SgdStep(0.5f, 0.1f, 0.9f, 0.01f, Nesterov: true, FirstStep: false, Guard: true), buf, p);
            return [.. Out(p, buf), Scalars(kept)];
        }, Reduction: true);
        yield return new("AdamUpdate", Transcendental, (k, x) =>
        {
            var g = x.Random(n); var p = x.Random(n); var m1 = x.Random(n); var v = x.Random(n, 0, 1);
            long kept = k.AdamUpdate(g, new AdamStep(0.5f, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, Decoupled: false, 0.05f, 0.3f, Guard: true), m1, v, p);
            return [.. Out(p, m1, v), Scalars(kept)];
        }, Reduction: true);
        yield return new("RmspropUpdate", Transcendental, (k, x) =>
        {
            var g = x.Random(n); var p = x.Random(n); var s = x.Random(n, 1, 2); var a = x.Random(n, -0.1, 0.1); var buf = x.Random(n);
            long kept = k.RmspropUpdate(g, new RmspropStep(1f, 0.01f, 0.99f, 1e-8f, 0.01f, 0.9f, Guard: true), s, a, buf, p);
            return [.. Out(p, s, a, buf), Scalars(kept)];
        }, Reduction: true);
        yield return new("AdagradUpdate", Transcendental, (k, x) =>
        {
            var g = x.Random(n); var p = x.Random(n); var s = x.Random(n, 0, 1);
            long kept = k.AdagradUpdate(g, new AdagradStep(1f, 0.05f, 1e-10f, 0f, Guard: true), s, p);
            return [.. Out(p, s), Scalars(kept)];
        }, Reduction: true);
    }
}
