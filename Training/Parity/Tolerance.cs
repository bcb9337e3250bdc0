// Tolerance: the one element-wise comparison of computed values against trusted ones, used by the
// `parity` and `selfcheck` commands and by every test that compares numbers. An element passes when
// |actual - expected| <= Absolute + Relative * |expected|. NaN is handled explicitly: NaN against NaN
// passes (both sides broke the same way), NaN against a number fails with an infinite error, and equal
// infinities pass. The comparison reports the worst absolute and relative errors and the first failure.
using System.Globalization;

namespace Engine.Training.Parity;

/// <summary>|actual - expected| &lt;= Absolute + Relative * |expected|, element by element.</summary>
public readonly record struct Tolerance(double Absolute, double Relative)
{
    /// <summary>The PyTorch parity tolerance of the fixtures: float32 results of another library's summation order.</summary>
    public const double ParityAbsolute = 1e-5, ParityRelative = 1e-4;

    public static Tolerance Parity => new(ParityAbsolute, ParityRelative);

    /// <summary>Bit for bit (NaN matching NaN): for copies and single correctly rounded operations.</summary>
    public static Tolerance Exact => new(0, 0);

    public Comparison Compare(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        var c = Comparison.Start(expected.Length, actual.Length);
        for (int i = 0; c.LengthsMatch && i < expected.Length; i++) c = c.With(i, expected[i], actual[i], this);
        return c;
    }

    public Comparison Compare(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        var c = Comparison.Start(expected.Length, actual.Length);
        for (int i = 0; c.LengthsMatch && i < expected.Length; i++) c = c.With(i, expected[i], actual[i], this);
        return c;
    }

    /// <summary>Whether one pair of values is within the tolerance (NaN matching NaN).</summary>
    public bool Accepts(double expected, double actual) => Error(expected, actual) <= Absolute + Relative * Math.Abs(expected);

    /// <summary>|actual - expected|: 0 for NaN against NaN and for equal values (infinities too), infinite for NaN against a number.</summary>
    public static double Error(double expected, double actual)
    {
        if (expected.Equals(actual)) return 0; // Equals: NaN equals NaN, and +inf equals +inf
        double error = Math.Abs(actual - expected);
        return double.IsNaN(error) ? double.PositiveInfinity : error;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Absolute:G} + {Relative:G}|expected|");
}

/// <summary>
/// The outcome of a comparison: the worst absolute error, the worst relative error (error / |expected|
/// over elements whose expected value is not 0), how many elements failed and the first that did.
/// </summary>
public readonly record struct Comparison(bool LengthsMatch, int ExpectedLength, int ActualLength, double MaxAbsolute, double MaxRelative, int Failures,
    int FirstFailure, double FirstExpected, double FirstActual)
{
    public bool Passed => LengthsMatch && Failures == 0;

    /// <summary>A comparison of nothing yet, of two lengths (a mismatch fails it).</summary>
    public static Comparison Start(int expected, int actual) => new(expected == actual, expected, actual, 0, 0, 0, -1, 0, 0);

    internal Comparison With(int index, double expected, double actual, Tolerance tolerance)
    {
        double error = Tolerance.Error(expected, actual);
        if (error == 0) return this;
        var c = this with
        {
            MaxAbsolute = Math.Max(MaxAbsolute, error),
            MaxRelative = expected == 0 ? MaxRelative : Math.Max(MaxRelative, error / Math.Abs(expected)),
        };
        if (tolerance.Accepts(expected, actual)) return c;
        return Failures > 0 ? c with { Failures = Failures + 1 }
            : c with { Failures = 1, FirstFailure = index, FirstExpected = expected, FirstActual = actual };
    }

    /// <summary>Both comparisons as one: the worse errors, the failures added, the earlier one's first failure.</summary>
    public Comparison And(Comparison other) => new(LengthsMatch && other.LengthsMatch, ExpectedLength + other.ExpectedLength, ActualLength + other.ActualLength,
        Math.Max(MaxAbsolute, other.MaxAbsolute), Math.Max(MaxRelative, other.MaxRelative), Failures + other.Failures,
        Failures > 0 ? FirstFailure : other.FirstFailure, Failures > 0 ? FirstExpected : other.FirstExpected, Failures > 0 ? FirstActual : other.FirstActual);

    /// <summary>One line for a report or a failed assertion.</summary>
    public string Describe(string what, Tolerance tolerance)
    {
        if (!LengthsMatch) return $"{what}: {ActualLength} values, expected {ExpectedLength}";
        string worst = string.Create(CultureInfo.InvariantCulture, $"max abs {MaxAbsolute:E2}, max rel {MaxRelative:E2}, tolerance {tolerance}");
        return Passed ? $"{what}: {worst}"
            : string.Create(CultureInfo.InvariantCulture, $"{what}: {Failures} of {ExpectedLength} outside; first [{FirstFailure}] = {FirstActual:R}, expected {FirstExpected:R}; {worst}");
    }
}
