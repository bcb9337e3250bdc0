// The tiled GEMM and the bias kernels on ILGPU against the reference backend, and GEMM determinism.
using Engine.Kernels.Gpu;
using Xunit;
using static Engine.Tests.Gpu.GpuTestDevice;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuLinearTests
{
    public static IEnumerable<object[]> Devices => Support.BackendCases.Gpu;

    /// <summary>
    /// C = alpha op(A) op(B) + beta C for every transpose combination. 70 x 67 with K = 35 spans four
    /// 64 x 64 tiles, three of them partial, and three K slices of 16, the last partial; 3 x 130 with
    /// K = 32 is a row of three short (32-row) tiles and whole slices only; 5 x 70 with K = 600 is
    /// split over K (GemmPlan: four segments of 160, the last partial), summed by a second pass.
    /// A split sum is a sum of two shorter float sums, within the same bound. The device sums
    /// k products in float, the reference in double; the classic bound for a float dot product of
    /// length k is k u sum|a_p b_p| (u = 2^-24), plus a rounding each for alpha, beta C and the
    /// reference's final float: (k + 4) u (|alpha| sum|a_p b_p| + |beta c|), element by element.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Gemm_matches_the_reference_for_every_transpose_and_scaling(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        bool[] flags = [false, true];
        var cases = from shape in new[] { (70, 67, 35), (3, 130, 32), (5, 70, 600) }
                    from transA in flags
                    from transB in flags
                    from scaling in new[] { (1f, 0f), (0.5f, 1f), (-1.5f, 0.25f) }
                    select (shape, transA, transB, scaling);
        foreach (var ((m, n, k), transA, transB, (alpha, beta)) in cases)
        {
            float[] a = Values(m * k, 1), b = Values(k * n, 2), c0 = Values(m * n, 3);
            var ta = twin.Make(a, transA ? [k, m] : [m, k]);
            var tb = twin.Make(b, transB ? [n, k] : [k, n]);
            var tc = twin.Make(c0, m, n);
            if (beta == 0f) gpu.Fill(float.NaN, tc.Device); // beta = 0 must ignore C, even NaN
            twin.Both((kk, on) => kk.Gemm(transA, transB, m, n, k, alpha, on(ta), on(tb), beta, on(tc)));
            AssertWithinBound($"Gemm {m}x{n}x{k} transA={transA} transB={transB} alpha={alpha} beta={beta}",
                tc, Bound(a, b, c0, transA, transB, m, n, k, alpha, beta));
        }
    }

    /// <summary>
    /// The plan depends on the shape alone. A batch of 32 or fewer rows gets the 32-row tile; a product
    /// with fewer than 128 tiles and K of at least 512 is split into segments of at least 128 (a
    /// multiple of the 16-deep slice) until tiles x segments reaches 128: the LSTM step's backward
    /// product 32 x 256 x 1024 has 4 tiles and gets 8 segments of 128 (32 groups instead of 4).
    /// </summary>
    [Fact]
    public void Gemm_plan_is_chosen_by_shape()
    {
        Assert.Equal(new GemmPlan(32, 8, 128), GemmPlan.For(32, 256, 1024));   // per-step backward, B 32, H 256
        Assert.Equal(new GemmPlan(32, 1, 256), GemmPlan.For(32, 1024, 256));   // per-step forward: K too short to split
        Assert.Equal(new GemmPlan(32, 6, 128), GemmPlan.For(32, 256, 768));    // a GRU step's backward: 4 tiles, 6 segments
        Assert.Equal(new GemmPlan(64, 2, 1024), GemmPlan.For(1024, 256, 2048)); // a weight gradient: 64 tiles, 2 segments
        Assert.Equal(new GemmPlan(64, 1, 256), GemmPlan.For(2048, 1024, 256)); // the input projection: 512 tiles
        Assert.Equal(new GemmPlan(32, 1, 255), GemmPlan.For(1, 1, 255));       // K too short to split
        Assert.Equal(new GemmPlan(64, 4, 144), GemmPlan.For(100, 64, 520));     // 2 tiles, K 520: three of 144 and one of 88
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Gemm_handles_degenerate_sizes(string device)
    {
        using var gpu = Open(device);
        // 1 x 1 x 1: a single partial tile. 2 x 3 x 0: no K slice, so C = beta C.
        var c = gpu.FromArray([1f], 1, 1);
        gpu.Gemm(false, false, 1, 1, 1, 2f, gpu.FromArray([3f], 1, 1), gpu.FromArray([-4f], 1, 1), 0.5f, c);
        Assert.Equal(new[] { -23.5f }, gpu.Download(c)); // 2 * 3 * -4 + 0.5 * 1
        var c2 = gpu.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        gpu.Gemm(false, false, 2, 3, 0, 1f, gpu.Zeros(2, 0), gpu.Zeros(0, 3), 2f, c2);
        Assert.Equal(new[] { 2f, 4f, 6f, 8f, 10f, 12f }, gpu.Download(c2));
        var e = Assert.Throws<ArgumentException>(() => gpu.Gemm(false, false, 2, 3, 4, 1f, gpu.Zeros(2, 4), gpu.Zeros(4, 2), 0f, c2));
        Assert.Equal("Gemm: B has 8 elements [4, 2], expected 12", e.Message);
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Gemm_is_bit_identical_from_call_to_call(string device)
    {
        using var gpu = Open(device);
        const int m = 130, n = 70, k = 50; // more tiles (6) than the CPU accelerator has groups
        var a = gpu.FromArray(Values(m * k, 1), m, k);
        var b = gpu.FromArray(Values(k * n, 2), n, k);
        var c = gpu.Zeros(m, n);
        gpu.Gemm(false, true, m, n, k, 1f, a, b, 0f, c);
        var first = gpu.Download(c);
        for (int repeat = 0; repeat < 2; repeat++)
        {
            gpu.Gemm(false, true, m, n, k, 1f, a, b, 0f, c);
            Assert.Equal(Bits(first), Bits(gpu.Download(c)));
        }
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Bias_forward_and_backward_match_the_reference_exactly(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        const int rows = 50, columns = 9;
        var x = twin.Make(Values(rows * columns, 1), rows, columns);
        var bias = twin.Make(Values(columns, 2), columns);
        var y = twin.Make(new float[rows * columns], rows, columns);
        // One add per element; the backward adds up to 64 rows in the reference's order, one thread per column.
        twin.Both((k, on) => k.AddBias(on(x), on(bias), on(y)));
        Twin.AssertClose("AddBias", y, (0, 0));
        twin.Both((k, on) => k.AddBias(on(y), on(bias), on(y)));
        Twin.AssertClose("AddBias in place", y, (0, 0));
        var dBias = twin.Make(Values(columns, 3), columns);
        twin.Both((k, on) => k.BiasBackward(on(x), on(dBias)));
        Twin.AssertClose("BiasBackward", dBias, (0, 0));
    }

    /// <summary>
    /// Past 64 rows the bias gradient is summed in blocks of 64 rows by one thread each (the first
    /// block starting from dBias), and a second pass adds the blocks in order: the exact float sum
    /// (dBias + rows 0..63) + (rows 64..127) + ..., written out here, and within a few roundings of
    /// the reference's row-by-row sum: 300 rows of values below 1, so 1e-5 absolute holds with margin.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Bias_backward_over_many_rows_adds_fixed_blocks_in_order(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        const int rows = 300, columns = 9;
        float[] dy = Values(rows * columns, 1), start = Values(columns, 3);
        var x = twin.Make(dy, rows, columns);
        var dBias = twin.Make(start, columns);
        twin.Both((k, on) => k.BiasBackward(on(x), on(dBias)));
        Twin.AssertClose("BiasBackward", dBias, (1e-5, 0));
        var expected = new float[columns];
        for (int c = 0; c < columns; c++)
        {
            float total = 0f;
            for (int block = 0; block * 64 < rows; block++)
            {
                float sum = block == 0 ? start[c] : 0f;
                for (int r = block * 64; r < Math.Min(rows, block * 64 + 64); r++) sum += dy[r * columns + c];
                total = block == 0 ? sum : total + sum;
            }
            expected[c] = total;
        }
        Assert.Equal(Bits(expected), Bits(gpu.Download(dBias.Device)));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private static double[] Bound(float[] a, float[] b, float[] c, bool transA, bool transB, int m, int n, int k, float alpha, float beta)
    {
        const double u = 1.0 / (1 << 24);
        var bound = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double magnitude = 0;
                for (int p = 0; p < k; p++)
                    magnitude += Math.Abs((double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]));
                bound[i * n + j] = (k + 4) * u * (Math.Abs(alpha) * magnitude + Math.Abs(beta * c[i * n + j]));
            }
        return bound;
    }

    private static void AssertWithinBound(string what, (Tensor Reference, Tensor Device) pair, double[] bound)
    {
        float[] expected = pair.Reference.ToArray(), actual = pair.Device.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            Assert.True(error <= bound[i], $"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (error {error:E2} > bound {bound[i]:E2})");
        }
    }
}
