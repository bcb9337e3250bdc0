// Access to the PyTorch reference fixtures in Tests/Fixtures (their provenance and how to regenerate
// them: Tests/Fixtures/README.md), and the parity comparison.
using Engine.Training.Parity;

namespace Engine.Tests.Support;

public static class Fixtures
{
    public static ReferenceFixture Load(string name)
        => ReferenceFixture.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".json"));

    /// <summary>Element by element within abs + rel * |expected| (by default the parity tolerance, Tolerance.Parity).</summary>
    public static void AssertClose(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual,
        double abs = Tolerance.ParityAbsolute, double rel = Tolerance.ParityRelative)
        => Expect.Close(what, expected, actual, new Tolerance(abs, rel));
}
