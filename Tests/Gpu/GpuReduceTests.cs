// Reductions, embedding and the fused softmax cross-entropy on ILGPU against the reference backend,
// and the determinism of Sum and Dot.
using Engine.Kernels.Gpu;
using Xunit;
using static Engine.Tests.Gpu.GpuTestDevice;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuReduceTests
{
    public static IEnumerable<object[]> Devices => Support.BackendCases.Gpu;

    /// <summary>
    /// Sum and Dot accumulate in double on both sides, in different orders (the device: per thread,
    /// then a tree per group, then the groups on the host). Each order's error is at most
    /// n * 2^-53 * sum|term| (products of two floats are exact in double), so the two results differ
    /// by at most twice that. Exact expected values alone would not catch a dropped or doubled term in
    /// a long sum, which this bound does (a term is ~0.5, the bound ~1e-12).
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Sum_and_dot_match_the_reference_and_repeat_bit_for_bit(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        foreach (int n in new[] { 1, 255, 10_007 })
        {
            float[] xs = Values(n, n), ys = Values(n, n + 1);
            var x = twin.Make(xs, n);
            var y = twin.Make(ys, n);
            double sumBound = 2 * n * Math.Pow(2, -53) * xs.Sum(v => Math.Abs((double)v));
            double dotBound = 2 * n * Math.Pow(2, -53) * xs.Zip(ys, (p, q) => Math.Abs((double)p * q)).Sum();

            double sum = gpu.Sum(x.Device), dot = gpu.Dot(x.Device, y.Device);
            Assert.InRange(sum - twin.Reference.Sum(x.Reference), -sumBound, sumBound);
            Assert.InRange(dot - twin.Reference.Dot(x.Reference, y.Reference), -dotBound, dotBound);
            for (int repeat = 0; repeat < 2; repeat++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(sum), BitConverter.DoubleToInt64Bits(gpu.Sum(x.Device)));
                Assert.Equal(BitConverter.DoubleToInt64Bits(dot), BitConverter.DoubleToInt64Bits(gpu.Dot(x.Device, y.Device)));
            }
        }
        Assert.Equal(6.0, gpu.Sum(gpu.FromArray([1f, 2f, 3f], 3)));
        Assert.Equal(32.0, gpu.Dot(gpu.FromArray([1f, 2f, 3f], 3), gpu.FromArray([4f, 5f, 6f], 3)));
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Embedding_matches_the_reference_exactly_with_repeated_ids(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        const int vocabulary = 11, width = 13;
        int[] ids = [3, 0, 3, 10, 7, 3, 0, 5, 5, 9, 3, 1, 0, 10, 2, 3, 8, 8, 4, 6, 3];
        var table = twin.Make(Values(vocabulary * width, 1), vocabulary, width);
        var y = twin.Make(new float[ids.Length * width], ids.Length, width);
        twin.Both((k, on) => k.EmbeddingForward(on(table), ids, on(y)));
        Twin.AssertClose("EmbeddingForward", y, (0, 0)); // a gather: copies only
        // The backward adds each id's rows in increasing row order, as the reference does: exact.
        var dY = twin.Make(Values(ids.Length * width, 2), ids.Length, width);
        var dTable = twin.Make(Values(vocabulary * width, 3), vocabulary, width);
        twin.Both((k, on) => k.EmbeddingBackward(on(dY), ids, on(dTable)));
        Twin.AssertClose("EmbeddingBackward", dTable, (0, 0));

        var e = Assert.Throws<ArgumentException>(() => gpu.EmbeddingForward(table.Device, [1, 11], gpu.Zeros(2, width)));
        Assert.Equal("EmbeddingForward: id 11 is outside [0, 11)", e.Message);
    }

    /// <summary>
    /// An id on 150 rows is cut into chunks of 64 rows: the first chunk starts from the table row, the
    /// others from zero, and a second pass adds the chunks in order. The result is that exact float
    /// sum, written out here; the rare ids (one chunk each) stay the reference's row-order sum, bit
    /// for bit; and the frequent id is within a few roundings of the reference (1e-5 absolute).
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Embedding_gradient_of_a_frequent_id_adds_fixed_chunks_in_order(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        const int vocabulary = 4, width = 5, rows = 160;
        int[] ids = Enumerable.Range(0, rows).Select(r => r % 16 == 0 ? r % 3 + 1 : 0).ToArray(); // id 0 on 150 rows
        float[] dy = Values(rows * width, 2), start = Values(vocabulary * width, 3);
        var dYs = twin.Make(dy, rows, width);
        var dTable = twin.Make(start, vocabulary, width);
        twin.Both((k, on) => k.EmbeddingBackward(on(dYs), ids, on(dTable)));
        var actual = gpu.Download(dTable.Device);
        var reference = dTable.Reference.ToArray();
        Assert.Equal(reference[width..], actual[width..]); // ids 1..3: one chunk each, the reference's order
        int[] rowsOfZero = Enumerable.Range(0, rows).Where(r => ids[r] == 0).ToArray();
        Assert.Equal(150, rowsOfZero.Length);
        for (int j = 0; j < width; j++)
        {
            float total = 0f;
            for (int chunk = 0; chunk * 64 < rowsOfZero.Length; chunk++)
            {
                float sum = chunk == 0 ? start[j] : 0f;
                foreach (int r in rowsOfZero.Skip(chunk * 64).Take(64)) sum += dy[r * width + j];
                total = chunk == 0 ? sum : total + sum;
            }
            Assert.Equal(BitConverter.SingleToInt32Bits(total), BitConverter.SingleToInt32Bits(actual[j]));
            Assert.InRange(actual[j] - reference[j], -1e-5, 1e-5);
        }
    }

    [Fact]
    public void Embedding_gradient_plan_groups_rows_by_id_in_row_order()
    {
        // ids by row: 0:2 1:0 2:2 3:4 4:0 5:2 -> id 0 at rows 1, 4; id 2 at rows 0, 2, 5; id 4 at row 3.
        // With chunks of at most 2 rows, id 2's three rows are two chunks: rows 0, 2 and row 5.
        int[] plan = EmbeddingGradientPlan.Build([2, 0, 2, 4, 0, 2], vocabulary: 6, chunkRows: 2, out int groups, out int chunks);
        Assert.Equal((3, 4), (groups, chunks));
        Assert.Equal(new[]
        {
            0, 2, 4,          // the ids
            0, 1, 3, 4,       // each id's first chunk, and the end
            0, 2, 4, 5, 6,    // each chunk's first position in order, and the end
            0, 1, 1, 2,       // each chunk's id (by index)
            1, 4, 0, 2, 5, 3, // rows by id, in row order
        }, plan);
    }

    /// <summary>
    /// probs: the device takes exp in float (the reference in double) and scales by a float 1/sum:
    /// with MathF.Exp (CPU accelerator) that is at most about 3 ulp, under 1e-6 relative; PTX
    /// ex2.approx adds about 2^-22 plus the rounding of (x - max) log2(e) for |x - max| <= 16, under
    /// 3e-6. loss: each row's log(sum) carries sum's relative error (about 1e-7 on the CPU, 1e-6
    /// with ex2.approx) as an absolute error, so the total may drift by rows times that.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Softmax_cross_entropy_matches_the_reference(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        (double Abs, double Rel) probsTolerance = device == Cpu ? (0, 1e-6) : (0, 3e-6);
        double lossPerRow = device == Cpu ? 3e-7 : 2e-6;
        // 5 classes (fewer than a group's threads) and 300 (more); logits up to +-8.
        foreach (var (rows, classes) in new[] { (37, 5), (9, 300) })
        {
            var logits = twin.Make(Values(rows * classes, rows, scale: 8f), rows, classes);
            int[] targets = Enumerable.Range(0, rows).Select(r => (r * 7 + 3) % classes).ToArray();
            var probs = twin.Make(new float[rows * classes], rows, classes);
            double expected = twin.Reference.SoftmaxCrossEntropyForward(logits.Reference, targets, probs.Reference);
            double loss = gpu.SoftmaxCrossEntropyForward(logits.Device, targets, probs.Device);
            Assert.InRange(loss - expected, -rows * lossPerRow, rows * lossPerRow);
            Twin.AssertClose($"probs {rows}x{classes}", probs, probsTolerance);

            // The backward gets the same probs on both sides (the reference's), so only it is compared.
            gpu.Upload(probs.Reference.ToArray(), probs.Device);
            var dLogits = twin.Make(Values(rows * classes, 5), rows, classes);
            twin.Both((k, on) => k.SoftmaxCrossEntropyBackward(on(probs), targets, 0.25f, on(dLogits)));
            Twin.AssertClose($"dLogits {rows}x{classes}", dLogits, MultiplyAdd(device));
        }
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Softmax_is_stable_for_large_logits(string device)
    {
        using var gpu = Open(device);
        // exp(90) and exp(1000) overflow float: only the max subtraction keeps these finite.
        var logits = gpu.FromArray([90f, 89f, -90f, 0f, 1000f, 1000f], 2, 3);
        var probs = gpu.Zeros(2, 3);
        double loss = gpu.SoftmaxCrossEntropyForward(logits, [1, 2], probs);
        // Row 0, target 1: log(1 + e^-1 + e^-180) + 90 - 89. Row 1, target 2: log(e^-1000 + 2) + 0.
        double expected = Math.Log(1 + Math.Exp(-1)) + 1 + Math.Log(2);
        Assert.InRange(loss - expected, -1e-6, 1e-6);
        double p0 = 1 / (1 + Math.Exp(-1));
        // Tolerance as in Softmax_cross_entropy_matches_the_reference; e^-180 and e^-1000 underflow to 0.
        Support.Fixtures.AssertClose("probs", [(float)p0, (float)(1 - p0), 0f, 0f, 0.5f, 0.5f], gpu.Download(probs), 0, 3e-6);
    }
}
