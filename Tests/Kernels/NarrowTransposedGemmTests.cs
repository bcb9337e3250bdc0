// NarrowTransposedGemm, the weight-gradient product A^T B of a deep A and a narrow B, against Sgemm.Run
// on the same operands with B given transposed (a path the narrow kernel does not take): bit for bit, for
// depths under, at and over the two KC blocks where Sgemm sums two depth halves apart, widths of 1 to 64
// on both sides of the 6- and 8-column tiles, rows off the 16-lane vectors and the bands of 3 and 4
// vectors, and A both ending at its array's end (its last rows read from copies) and followed by other
// values.
using Engine.Kernels;
using Xunit;

namespace Engine.Tests.Kernels;

public class NarrowTransposedGemmTests
{
    // (m, k, n): the small models' dW_ih and dW_hh (RNN, GRU, LSTM at T = 200, B = 20, I = 6, H = 50),
    // their h0 term (depth B), then odd shapes around the tiles and the depth blocks.
    public static IEnumerable<object[]> Shapes =>
        new (int M, int K, int N)[]
            {
                (50, 4000, 6), (50, 3980, 50), (150, 4000, 6), (200, 3980, 50), (150, 20, 50),
                (1, 1, 1), (3, 7, 2), (17, 511, 64), (33, 512, 7), (64, 257, 13), (65, 1300, 12), (5, 2000, 1),
                (100, 700, 50), (256, 600, 64),
            }
            .SelectMany(s => new[] { 0f, 1f }.SelectMany(beta => new[] { 0, 40 }.Select(slack => new object[] { s.M, s.K, s.N, beta, slack })));

    [SkippableTheory, MemberData(nameof(Shapes))]
    public void Narrow_product_equals_the_packed_gemm_bit_for_bit(int m, int k, int n, float beta, int slack)
    {
        Skip.IfNot(Sgemm.Wide, "the narrow kernel needs 512-bit vectors");
        Assert.True(NarrowTransposedGemm.Applies(transA: true, transB: false, m, n, 1f, beta));
        var rng = new Random(m * 100000 + k * 100 + n);
        float[] R(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var a = R(3 + k * m + slack); var b = R(2 + k * n); var c0 = R(m * n + 5);
        // B^T [n, k], for the product Sgemm computes with transB.
        var bT = new float[n * k];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) bT[j * k + p] = b[2 + p * n + j];
        var expected = (float[])c0.Clone();
        var actual = (float[])c0.Clone();
        Sgemm.Run(true, true, m, n, k, 1f, a, 3, bT, 0, beta, expected, 5);
        NarrowTransposedGemm.Run(m, n, k, a, 3, b, 2, beta, actual, 5);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Other_operands_go_to_the_general_gemm()
    {
        Assert.False(NarrowTransposedGemm.Applies(transA: true, transB: false, 50, NarrowTransposedGemm.MaxN + 1, 1f, 0f));
        Assert.False(NarrowTransposedGemm.Applies(transA: true, transB: false, NarrowTransposedGemm.MaxM + 1, 6, 1f, 0f));
        Assert.False(NarrowTransposedGemm.Applies(transA: false, transB: false, 50, 6, 1f, 0f));
        Assert.False(NarrowTransposedGemm.Applies(transA: true, transB: true, 50, 6, 1f, 0f));
        Assert.False(NarrowTransposedGemm.Applies(transA: true, transB: false, 50, 6, 0.5f, 0f));
        Assert.False(NarrowTransposedGemm.Applies(transA: true, transB: false, 50, 6, 1f, 0.5f));
    }
}
