// ThresholdAdvisor: suggests a clipping threshold from the gradient norms an unclipped run observed
// before it diverged. Pascanu et al. (2013) take "the average norm over a sufficiently large number of
// updates"; AutoClip (2020) takes a low percentile of the history. We suggest the median of the
// pre-divergence norms, which sits inside the bulk of the distribution and below its spikes, and say
// what fraction of the observed steps it would have clipped.
namespace Engine.Training.Experiments;

public static class ThresholdAdvisor
{
    public const double Percentile = 50;

    public static ThresholdAdvice? Advise(ComparisonRecord record)
    {
        var unclipped = record.Runs.FirstOrDefault(r => r.Clip == "none");
        if (unclipped is null) return null;
        var norms = unclipped.Steps.Select(s => s.PreClipNorm).Where(double.IsFinite).ToList();
        if (norms.Count == 0) return null;
        double threshold = Statistics.Percentile(norms, Percentile);
        double median = Statistics.Median(norms), max = norms.Max();
        double share = norms.Count(n => n > threshold) / (double)norms.Count;
        string reason = $"the unclipped run '{unclipped.Name}' saw {norms.Count} finite gradient norms (median {median:G3}, max {max:G3})"
            + (unclipped.DivergedAtStep is { } d ? $" before diverging at step {d}" : "")
            + $"; clipping at their {Percentile:F0}th percentile ({threshold:G3}) leaves typical steps alone and caps the "
            + $"{share:P0} largest, the spikes that blow up training (Pascanu et al. 2013 use the average norm; AutoClip a low percentile)";
        return new ThresholdAdvice(threshold, Percentile, median, max, reason);
    }
}
