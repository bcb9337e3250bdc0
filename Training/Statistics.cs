// Small statistics used by benchmarks and reports: median and percentile of samples.
namespace Engine.Training;

/// <summary>Median and percentiles of samples.</summary>
public static class Statistics
{
    /// <summary>The median (the 50th percentile).</summary>
    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    /// <summary>Linear interpolation between closest ranks (numpy's default), p in [0, 100].</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) throw new ArgumentException("no samples");
        var sorted = values.Order().ToArray();
        double rank = p / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
