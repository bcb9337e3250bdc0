// Story: what happened in a comparison, in words, from the verdicts alone: per run how many seeds
// diverged (where, and whether a gradient surge came first), did not learn or trained, and how often
// clipping acted, and how far back the gradient reached through time and depth (GradientReach). The
// report opens with it; nothing in it is written by hand.
using System.Globalization;
using Engine.Training.Experiments;

namespace Engine.Training.Reports;

public static class Story
{
    public static IEnumerable<string> Tell(ComparisonRecord record)
    {
        foreach (var group in record.Groups) yield return Run(group);
        foreach (var series in record.Runs.Where(r => r.TaskSteps is not null && r.Series != r.Name).GroupBy(r => r.Series))
            yield return $"'{series.Key}' solved the task in " + string.Join(", ", series.GroupBy(r => r.TaskSteps!.Value).OrderBy(g => g.Key)
                .Select(g => $"{g.Count(r => r.Solved == true)} of {g.Count()} seeds at T = {g.Key}")) + ".";
        if (record.Advice is { } advice)
            yield return string.Create(CultureInfo.InvariantCulture, $"Suggested threshold {advice.Threshold:G3} ({advice.Rule}): ") + Checked(advice) + ".";
    }

    /// <summary>What the runs at the advice's thresholds ended as: the suggestion's, then each half tried after it.</summary>
    public static string Checked(ThresholdAdvice advice) => advice.Attempts.Count == 0
        ? "not verified here (no run was trained at it)"
        : string.Join("; ", advice.Attempts.Select((a, i) => i == 0
            ? $"the run '{a.Run}' trained at it ended {Verdicts.Name(a.Verdict)} (its worst seed)"
            : string.Create(CultureInfo.InvariantCulture, $"at half of that, {a.Threshold:G3}, the run '{a.Run}' ended {Verdicts.Name(a.Verdict)}")))
        + (advice.VerifiedVerdict == Verdict.Trained && advice.Attempts.Count > 1
            ? string.Create(CultureInfo.InvariantCulture, $": use {advice.Verified!.Threshold:G3}") : "");

    private static string Run(RunGroup g)
    {
        int n = g.Seeds.Count;
        var parts = new List<string>();
        var diverged = g.Seeds.Where(s => s.Verdict == Verdict.Diverged).ToList();
        if (diverged.Count > 0)
        {
            var ratios = diverged.Select(s => s.SpikeRatio).OfType<double>().ToList();
            int surged = ratios.Count(r => r >= Surges.SpikeFactor);
            string surge = surged == diverged.Count
                ? $"each after a gradient surge of {Range(ratios, "G3")}x over the norms before it"
                : surged > 0 ? $"{surged} of them after a gradient surge of {Surges.SpikeFactor:G3}x or more (spike ratios {Range(ratios, "G3")})"
                : ratios.Count > 0 ? $"without a gradient surge (spike ratios {Range(ratios, "G3")}): the loss grew while the gradient stayed in range"
                : "at its first step";
            parts.Add($"{Count(diverged.Count, n)} diverged (at step {Range(diverged.Select(s => (double)s.DivergedAtStep!.Value).ToList(), "F0")}), {surge}");
        }
        int notLearned = g.Count(Verdict.DidNotLearn);
        if (notLearned > 0)
            parts.Add(g.Seeds.Any(s => s.Solved is not null)
                ? $"{Count(notLearned, n)} did not learn (did not solve the task)"
                : $"{Count(notLearned, n)} did not learn (final validation loss not below the initial loss)");
        var trained = g.Seeds.Where(s => s.Verdict == Verdict.Trained).ToList();
        if (trained.Count > 0)
        {
            string result = trained.All(s => s.Accuracy is not null)
                ? $"accuracy {Range(trained.Select(s => s.Accuracy!.Value * 100).ToList(), "F1")}%"
                : $"final validation loss {Range(trained.Select(s => s.FinalValidationLoss ?? s.FinalTrainLoss ?? double.NaN).ToList(), "F3")}";
            parts.Add($"{Count(trained.Count, n)} trained ({result})");
        }
        int spikes = g.Seeds.Sum(s => s.Spikes.Count);
        string clipping = g.Clip == "none" ? "unclipped" : string.Create(CultureInfo.InvariantCulture, $"clipping {Range(g.Seeds.Select(s => s.ClipRate * 100).ToList(), "G2")}% of steps");
        return $"'{g.Name}' ({g.Clip}{(g.Seeds[0].Overrides.Length > 0 ? ", " + g.Seeds[0].Overrides : "")}): {string.Join("; ", parts)}; {clipping}; {spikes} gradient spike{(spikes == 1 ? "" : "s")} over {Surges.SpikeFactor:G3}x"
            + Reach(g, GradientReach.ThroughTime, "the first time step", "the last step's", "time step")
            + Reach(g, GradientReach.ThroughDepth, "the first layer", "the top layer's", "layer") + ".";
    }

    /// <summary>
    /// "; the gradient reaching WHERE: 1E-20 of REFERENCE at the start of training, 0.41 at the end (0.99 per
    /// STEP: kept)", ranges over the seeds, or "" when nothing was recorded.
    /// </summary>
    private static string Reach(RunGroup g, Func<RunRecord, TrainingPhase, double[]?> profile, string where, string reference, string step)
    {
        var start = g.Seeds.Select(s => profile(s, TrainingPhase.Start)).OfType<double[]>().ToList();
        var end = g.Seeds.Select(s => profile(s, TrainingPhase.End)).OfType<double[]>().ToList();
        if (end.Count == 0) return "";
        int hops = end[0].Length - 1;
        var reach = end.Select(p => p[0]).ToList();
        var words = reach.Select(r => GradientReach.Describe(r, hops)).Distinct().ToList();
        return $"; the gradient reaching {where}: {Range(start.Select(p => p[0]).ToList(), "G2")} of {reference} at the start of training, {Range(reach, "G2")} at the end"
            + $" ({Range(reach.Select(r => GradientReach.PerStep(r, hops)).ToList(), "F2")} per {step}: {string.Join(" or ", words)})";
    }

    private static string Count(int k, int n) => n == 1 ? "it" : $"{k} of {n} seeds";

    private static string Range(IReadOnlyList<double> values, string format)
    {
        if (values.Count == 0) return "-";
        string lo = values.Min().ToString(format, CultureInfo.InvariantCulture), hi = values.Max().ToString(format, CultureInfo.InvariantCulture);
        return lo == hi ? lo : $"{lo}-{hi}";
    }
}
