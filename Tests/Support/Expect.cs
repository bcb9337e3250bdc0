// Expect: the tests' assertion over the library's one comparer (Engine.Training.Parity.Tolerance), so
// that every test that compares numbers accepts and reports them the same way.
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Support;

public static class Expect
{
    /// <summary>Every element of actual within tolerance of expected (NaN matching NaN); the failure names the first element outside.</summary>
    public static void Close(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Tolerance tolerance)
    {
        var c = tolerance.Compare(expected, actual);
        Assert.True(c.Passed, c.Describe(what, tolerance));
    }

    /// <summary>Doubles (sums and norms), the same way.</summary>
    public static void Close(string what, ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, Tolerance tolerance)
    {
        var c = tolerance.Compare(expected, actual);
        Assert.True(c.Passed, c.Describe(what, tolerance));
    }

    public static void Close(string what, double expected, double actual, Tolerance tolerance) => Close(what, [expected], [actual], tolerance);
}
