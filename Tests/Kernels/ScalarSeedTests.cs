// AddScaledScalar (the gradient seed of a mean or sum loss, added to every element) on the SIMD backend
// against the reference backend, bit for bit: one float added to each element, whether one core does it
// or the two halves of a long buffer are split over the cores.
using Engine.Kernels;
using Xunit;

namespace Engine.Tests.Kernels;

public class ScalarSeedTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(200001)]
    public void Scaled_scalar_added_to_every_element_as_the_reference_adds_it(int length)
    {
        var rng = new Random(length);
        var y = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        IBackend simd = new SimdBackend(), reference = new ReferenceBackend();
        float[] Seeded(IBackend k)
        {
            var target = k.FromArray((float[])y.Clone(), length);
            k.AddScaledScalar(k.FromArray([0.7f], 1), 1.0 / length, target);
            return target.ToArray();
        }
        var expected = Seeded(reference);
        Assert.NotEqual(y, expected);
        Assert.Equal(expected, Seeded(simd));
    }
}
