// ThresholdAdvisor: suggests a global-norm clipping threshold from the gradient norms the runs saw
// outside surges (every spike, and the 5 steps up to each divergence, left out). The norms come from
// the unclipped runs when they have at least MinimumSteps such steps (their natural scale, not one a
// clip stage shaped), else from every run and seed. Then what the unclipped runs did decides:
//   - one diverged without a surge (spike ratio under 10: the gradient stayed in range and the step
//     itself was too large): clipping can only help as a cap on the step, so half the median (the low
//     end of the half to ten times the average norm that Pascanu et al. 2013 found to converge);
//   - one diverged after a surge: twice the median, so typical steps stay below it (clipping is no
//     permanent cap) while a surge (10x and more) is cut at least 5-fold;
//   - none diverged: there is no surge to cut nor step to cap, only the rare large step, so the 99th
//     percentile (a run that is still learning must not be slowed on most of its steps).
// Medians and percentiles, not means, so that one surge that escaped the filter cannot move them.
// `compare` then trains one more run at the suggestion to check that it trains, and when its worst seed
// does not, at half of it, up to Attempts thresholds in all (ComparisonRunner.Verify).
using System.Globalization;

namespace Engine.Training.Experiments;

public static class ThresholdAdvisor
{
    public const int MinimumSteps = 20;
    public const double SurgeMultiple = 2, StepCapMultiple = 0.5, RareStepPercentile = 99;

    /// <summary>The thresholds a comparison trains at to check its advice, at most: the suggestion, half of it, a quarter.</summary>
    public const int Attempts = 3;

    /// <summary>A threshold as suggested: 3 significant digits.</summary>
    public static double Round(double threshold) => double.Parse(threshold.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Rule => $"the median pre-clip gradient norm outside surges (spikes over {Surges.SpikeFactor}x the median of the {Surges.History} steps before, and the {Surges.Window} steps up to a divergence), of the unclipped runs if they have {MinimumSteps} such steps, else of every run; "
        + $"x{StepCapMultiple.ToString(CultureInfo.InvariantCulture)} when an unclipped run diverged without a surge (a cap on the step), x{SurgeMultiple.ToString(CultureInfo.InvariantCulture)} when one diverged after a surge (cuts surges, leaves typical steps), "
        + $"and when none diverged their {RareStepPercentile.ToString(CultureInfo.InvariantCulture)}th percentile instead (only the rare large step); 3 significant digits";

    public static ThresholdAdvice? Advise(IReadOnlyList<RunRecord> runs)
    {
        var unclipped = runs.Where(r => r.Clip == "none").ToList();
        var quiet = Quiet(unclipped);
        string source = "the unclipped runs";
        if (quiet.Count < MinimumSteps) (quiet, source) = (Quiet(runs), "every run");
        if (quiet.Count == 0) return null;
        double median = Statistics.Median(quiet);
        if (!(median > 0)) return null;
        var diverged = unclipped.Where(r => r.DivergedAtStep is not null).ToList();
        bool stepTooLarge = diverged.Any(r => r.SpikeRatio is { } s && s < Surges.SpikeFactor);
        double raw = stepTooLarge ? StepCapMultiple * median
            : diverged.Count > 0 ? SurgeMultiple * median
            : Statistics.Percentile(quiet, RareStepPercentile);
        double threshold = Round(raw);
        double above = quiet.Count(n => n > threshold) / (double)quiet.Count;
        string how = stepTooLarge
            ? $"an unclipped run diverged without a gradient surge, so the step itself was too large: {StepCapMultiple}x the median caps it"
            : diverged.Count > 0 ? $"an unclipped run diverged after a gradient surge: {SurgeMultiple}x the median leaves typical steps alone and cuts any surge of 10x or more at least 5-fold"
            : $"no unclipped run diverged: their {RareStepPercentile}th percentile touches only the rare large step";
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"outside surges {source} saw {quiet.Count} gradient norms with median {median:G3}; {how}; {threshold:G3} would have clipped {above:P1} of those steps");
        return new ThresholdAdvice(threshold, Rule, median, quiet.Count, above, reason);
    }

    private static List<double> Quiet(IEnumerable<RunRecord> runs)
    {
        var quiet = new List<double>();
        foreach (var run in runs)
        {
            var surge = Surges.SurgeSteps(run);
            quiet.AddRange(run.Steps.Where(s => !surge.Contains(s.Step) && double.IsFinite(s.PreClipNorm)).Select(s => s.PreClipNorm));
        }
        return quiet;
    }
}
