// RowsGemm, the single-threaded product of the row-split time loops, against Sgemm.Run with the same
// packed B: bit for bit (the same sums in the same order), for row counts on both sides of its 4- and
// 5-row tiles, widths off the 32-wide panels and the 64-wide tiles, and depths of one and several KC blocks.
using Engine.Kernels;
using Xunit;

namespace Engine.Tests.Kernels;

public class RowsGemmTests
{
    // (m, k, n): under a tile, one tile and a bit, odd everything, exactly KC, just over KC, several blocks.
    public static IEnumerable<object[]> Shapes =>
        new (int M, int K, int N)[] { (2, 7, 5), (3, 1, 64), (5, 50, 50), (9, 33, 97), (6, 256, 64), (7, 257, 96), (4, 600, 200), (10, 50, 150), (10, 200, 50), (15, 64, 200) }
            .SelectMany(s => new[] { 0f, 1f }.Select(beta => new object[] { s.M, s.K, s.N, beta }));

    [SkippableTheory, MemberData(nameof(Shapes))]
    public void Rows_product_equals_the_packed_gemm_bit_for_bit(int m, int k, int n, float beta)
    {
        Skip.IfNot(Sgemm.Wide, "RowsGemm needs the 512-bit GEMM's panels");
        var rng = new Random(m * 10000 + k * 10 + n);
        float[] R(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var a = R(m * k + 3); var b = R(k * n); var c0 = R(m * n + 5);
        var packed = new PackedB();
        packed.Pack(false, b, 0, k, n);
        var expected = (float[])c0.Clone();
        var actual = (float[])c0.Clone();
        Sgemm.Run(false, m, 1f, a, 3, packed, beta, expected, 5);
        RowsGemm.Run(m, a, 3, packed, beta, actual, 5);
        Assert.Equal(expected, actual);
        // Row by row, each row alone: the same bits again (a part of a row split may hold any rows).
        var alone = (float[])c0.Clone();
        for (int r = 0; r < m; r++) RowsGemm.Run(1, a, 3 + r * k, packed, beta, alone, 5 + r * n);
        Assert.Equal(expected, alone);
    }

    [SkippableFact]
    public void Other_betas_are_refused()
    {
        Skip.IfNot(Sgemm.Wide, "RowsGemm needs the 512-bit GEMM's panels");
        var packed = new PackedB();
        packed.Pack(false, new float[4], 0, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => RowsGemm.Run(2, new float[4], 0, packed, 0.5f, new float[4], 0));
        Assert.Contains("beta 0.5", e.Message);
    }
}
