// GEMM of every fast backend against the reference: every transpose, alpha/beta, shapes covering all
// the micro-kernel's edge tiles and the blocking boundaries, and bit-identical repeated calls.
using Engine.Tests.Support;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Kernels;

public class GemmTests
{
    public static IEnumerable<object[]> Backends => BackendCases.Fast;

    private static float[] Random(Rng rng, int n) => Enumerable.Range(0, n).Select(_ => (float)rng.Uniform(-1, 1)).ToArray();

    /// <summary>
    /// The reference sums in double; a float32 FMA chain of length k can differ from it by about
    /// k * 2^-24 * sum |a||b| (each rounding at most half an ulp of the running sum, which is bounded
    /// by sum |a||b|). The tolerance is that bound with a factor of 2 to spare.
    /// </summary>
    private static void Compare(string backendName, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int seed, bool prepared = false)
    {
        var rng = new Rng((ulong)seed);
        var a = Random(rng, m * k); var b = Random(rng, k * n); var c = Random(rng, m * n);
        if (beta == 0f && c.Length > 0) c[0] = float.NaN; // beta 0 must overwrite, even NaN
        var reference = BackendCases.Create("reference");
        var fast = BackendCases.Create(backendName);
        var expected = reference.FromArray(c, m * n);
        reference.Gemm(ta, tb, m, n, k, alpha, reference.FromArray(a, m * k), reference.FromArray(b, k * n), beta, expected);
        var actual = fast.FromArray(c, m * n);
        if (prepared) fast.Gemm(ta, m, alpha, fast.FromArray(a, m * k), fast.Prepare(fast.FromArray(b, k * n), tb, k, n), beta, actual);
        else fast.Gemm(ta, tb, m, n, k, alpha, fast.FromArray(a, m * k), fast.FromArray(b, k * n), beta, actual);
        // |a|, |b| <= 1, so sum |a||b| <= k; with beta, the old C (|c| <= 1) adds a rounding of 1e-6 |beta| at most.
        double bound = 2 * Math.Max(k, 1) * Math.Pow(2, -24) * k * Math.Abs(alpha) + 1e-6 + (beta == 0f ? 0 : 1e-6 * Math.Abs(beta));
        Expect.Close($"{backendName} ta={ta} tb={tb} m={m} n={n} k={k} alpha={alpha} beta={beta}: C", expected.ToArray(), actual.ToArray(), new Tolerance(bound, 0));
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Every_small_shape_and_transpose(string backend)
    {
        int seed = 0;
        foreach (int m in new[] { 0, 1, 2, 5, 6, 7, 13, 17 })
            foreach (int n in new[] { 0, 1, 3, 15, 16, 17, 33 })
                foreach (int k in new[] { 0, 1, 4, 9 })
                    foreach (bool ta in new[] { false, true })
                        foreach (bool tb in new[] { false, true })
                            Compare(backend, ta, tb, m, n, k, 1f, 0f, seed++);
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Alpha_beta_and_blocking_boundaries(string backend)
    {
        // 97 rows cross the 96-row block, k = 300 the 256-deep block, n = 2050 the 2048-wide panel.
        Compare(backend, false, true, 97, 33, 300, 0.5f, 1f, 1);
        Compare(backend, true, false, 40, 2050, 7, 1f, -2f, 2);
        Compare(backend, true, true, 13, 21, 513, 2f, 0.25f, 3);
        Compare(backend, false, false, 200, 100, 64, 1f, 0f, 4);
        // On two cores with 32-column panels (CI's machine), A transposed: the first panel of each core
        // reads A in place and copies it, the others read the copy (10-11 panels, 5-6 per core, then
        // 19-21), with full MR-row tiles and a ragged last one; then one panel a core (A in place only)
        // and one panel in all (one core has none).
        Compare(backend, true, false, 45, 300, 300, 1f, 0.5f, 5);
        Compare(backend, true, true, 101, 330, 260, 1f, 0f, 6);
        Compare(backend, true, false, 45, 600, 300, 1f, 0.5f, 7);
        Compare(backend, true, true, 101, 660, 260, 1f, 0f, 8);
        Compare(backend, true, false, 45, 64, 300, 1f, 0.5f, 12);
        Compare(backend, true, false, 45, 20, 300, 1f, 0.5f, 13);
        // A transposed over 512 depth rows or more: two depth halves (256 and 344 rows here), the second
        // added at the end.
        Compare(backend, true, false, 45, 160, 600, 0.5f, 0.5f, 14);
        Compare(backend, true, true, 101, 33, 600, 1f, 0f, 15);
        // Five row blocks: split by rows (4 panels), then by columns (9 panels, or A transposed).
        Compare(backend, false, true, 400, 100, 64, 1f, 0f, 9);
        Compare(backend, false, true, 400, 260, 70, 1f, 0.5f, 10);
        Compare(backend, true, false, 400, 100, 300, 1f, 0.5f, 11);
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Prepared_right_operands_give_the_same_products(string backend)
    {
        // The per-step recurrent products: small m (1 is the batch-1 vector-matrix path), B packed once.
        int seed = 100;
        foreach (int m in new[] { 1, 2, 7, 9, 33 })
            foreach (int n in new[] { 1, 17, 33, 100 })
                foreach (int k in new[] { 1, 5, 300 })
                    foreach (bool ta in new[] { false, true })
                        foreach (bool tb in new[] { false, true })
                            Compare(backend, ta, tb, m, n, k, seed % 2 == 0 ? 1f : 0.5f, seed % 3 == 0 ? 0f : 1f, seed++, prepared: true);
        // Large enough for the one-row product to split its panels over both cores (n = 1000 leaves a partial panel).
        Compare(backend, false, true, 1, 1000, 512, 1f, 1f, seed++, prepared: true);
        Compare(backend, true, false, 1, 1000, 512, 1f, 0f, seed, prepared: true);
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Parallel_gemm_is_bit_identical_across_calls(string backend)
    {
        var b = BackendCases.Create(backend);
        var rng = new Rng(5);
        var x = b.FromArray(Random(rng, 300 * 200), 300 * 200);
        var w = b.FromArray(Random(rng, 400 * 200), 400 * 200);
        float[] Once()
        {
            var c = b.Zeros(300 * 400);
            b.Gemm(false, true, 300, 400, 200, 1f, x, w, 0f, c);
            return c.ToArray();
        }
        var first = Once();
        for (int i = 0; i < 5; i++) Assert.Equal(first, Once());
    }

    /// <summary>
    /// The SIMD GEMM with A transposed: each core runs its columns (k = 300) or its depth half (k = 700)
    /// through the depth blocks at its own pace, and both depths end on a short block, which must not
    /// overwrite the panels another core is still reading. A race shows as a wrong or changing result
    /// within 200 calls (the racy version failed 2 runs in 3 at 50). Only the CPU backend splits so; the
    /// ILGPU CPU accelerator would take a minute for them.
    /// </summary>
    [Theory, InlineData(300), InlineData(700)]
    public void Transposed_simd_products_are_right_and_bit_identical_across_calls(int k)
    {
        Compare("cpu", true, false, 64, 160, k, 1f, 0f, k);
        var b = BackendCases.Create("cpu");
        var rng = new Rng(6);
        var dG = b.FromArray(Random(rng, k * 64), k * 64);
        var h = b.FromArray(Random(rng, k * 160), k * 160);
        float[] Transposed()
        {
            var c = b.Zeros(64 * 160);
            b.Gemm(true, false, 64, 160, k, 1f, dG, h, 0f, c);
            return c.ToArray();
        }
        var first = Transposed();
        for (int i = 0; i < 200; i++) Assert.Equal(first, Transposed());
    }
}
