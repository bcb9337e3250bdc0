// Access to the PyTorch reference fixtures copied into Tests/Fixtures (provenance: libtorch 2.10.0
// via TorchSharp 0.107.0, see Tests/Fixtures/README.md), and tolerance-checked comparisons.
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Support;

public static class Fixtures
{
    public static ReferenceFixture Load(string name)
        => ReferenceFixture.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".json"));

    /// <summary>The parity tolerance: |a - e| <= abs + rel * |e|, element by element.</summary>
    public static void AssertClose(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double abs = 1e-5, double rel = 1e-4)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (e == a) continue; // also equal infinities
            double err = Math.Abs(a - e);
            Assert.True(err <= abs + rel * Math.Abs(e), $"{what}[{i}]: got {a:R}, expected {e:R} (error {err:E2})");
        }
    }
}
