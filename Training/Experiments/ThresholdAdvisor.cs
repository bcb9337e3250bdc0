// ThresholdAdvisor: suggests a global-norm clipping threshold from the gradient norms the runs saw
// outside surges. The rule: twice the median of every finite pre-clip norm, over every run and seed,
// leaving out the surges (every spike, and the 5 steps up to each divergence). Outside surges the
// norms of a run that trains stay close to their median, so twice the median leaves typical steps
// alone (clipping is not a permanent cap on the step size), while a surge (10x and more) is cut by at
// least 5x. `compare` then trains one more run at this threshold to check that it trains.
using System.Globalization;

namespace Engine.Training.Experiments;

public static class ThresholdAdvisor
{
    public const double Multiple = 2;

    public static string Rule => $"{Multiple.ToString(CultureInfo.InvariantCulture)} x the median pre-clip gradient norm outside surges (spikes over {Surges.SpikeFactor}x the median of the {Surges.History} steps before, and the {Surges.Window} steps up to a divergence), over every run and seed, to 3 significant digits";

    public static ThresholdAdvice? Advise(IEnumerable<RunRecord> runs)
    {
        var quiet = new List<double>();
        foreach (var run in runs)
        {
            var surge = Surges.SurgeSteps(run);
            quiet.AddRange(run.Steps.Where(s => !surge.Contains(s.Step) && double.IsFinite(s.PreClipNorm)).Select(s => s.PreClipNorm));
        }
        if (quiet.Count == 0) return null;
        double median = Statistics.Median(quiet);
        if (!(median > 0)) return null;
        double threshold = double.Parse((Multiple * median).ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        double above = quiet.Count(n => n > threshold) / (double)quiet.Count;
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"outside surges the runs saw {quiet.Count} gradient norms with median {median:G3}; clipping at {Multiple}x that ({threshold:G3}) would have clipped {above:P1} of those quiet steps, and cuts any surge of {Surges.SpikeFactor}x or more at least {Surges.SpikeFactor / Multiple}-fold");
        return new ThresholdAdvice(threshold, Rule, median, quiet.Count, above, reason);
    }
}
