// The SIMD bias gradient (column sums of dY, added to dBias) against the reference backend's, bit for bit:
// both add each column's values row by row in order, whatever columns the SIMD kernel takes together (32 or
// 8 at a time in registers, a ragged end as the last lanes of 8, the columns split over the cores).
using Engine.Kernels;
using Xunit;

namespace Engine.Tests.Kernels;

public class BiasSumTests
{
    // Widths 1 to 70 (every ragged end on both sides of 8, 16 and 32), the small models' 50, 150 and 200;
    // 3 rows (one core) and 400 (split over the cores from 16384 values on).
    public static IEnumerable<object[]> Shapes =>
        Enumerable.Range(1, 70).Concat([150, 200]).SelectMany(cols => new[] { 3, 400 }.Select(rows => new object[] { rows, cols }));

    [Theory, MemberData(nameof(Shapes))]
    public void Column_sums_equal_the_reference_bit_for_bit(int rows, int cols)
    {
        var rng = new Random(rows * 1000 + cols);
        float[] R(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var dY = R(rows * cols);
        var start = R(cols);
        IBackend simd = new SimdBackend(), reference = new ReferenceBackend();
        float[] Sums(IBackend k)
        {
            var sums = k.FromArray((float[])start.Clone(), cols);
            k.BiasBackward(k.FromArray(dY, rows, cols), sums);
            return sums.ToArray();
        }
        Assert.Equal(Sums(reference), Sums(simd));
    }
}
