// Surges: sudden growth of the pre-clip gradient norm. A spike is a step whose norm is over 10x the
// median of the (at most 50) steps before it; the spike ratio of a diverged run is the largest norm of
// the 5 steps up to the divergence over the median of the (at most 50) steps before those five, so an
// exploding gradient (a surge, then the blow-up) reads 10 or more, and a slow drift to a bad loss does not.
namespace Engine.Training.Experiments;

public static class Surges
{
    public const double SpikeFactor = 10;
    public const int History = 50;
    public const int Window = 5;

    /// <summary>Every step whose norm is over SpikeFactor x the median finite norm of the History steps before it (a non-finite norm has ratio infinity).</summary>
    public static IEnumerable<Spike> Spikes(IReadOnlyList<StepRecord> steps)
    {
        for (int i = 1; i < steps.Count; i++)
        {
            double ratio = Ratio(steps[i].PreClipNorm, steps, Math.Max(0, i - History), i);
            if (ratio > SpikeFactor) yield return new Spike(steps[i].Step, ratio);
        }
    }

    /// <summary>
    /// For a run that diverged at divergedAt: the largest norm of the Window steps up to it over the median
    /// of the History steps before them, where at least the first step stays in the history; null when
    /// the run diverged at its first step.
    /// </summary>
    public static double? SpikeRatio(IReadOnlyList<StepRecord> steps, int divergedAt)
    {
        int end = IndexOf(steps, divergedAt);
        int start = Math.Max(1, end - Window + 1);
        if (start > end) return null;
        double peak = 0;
        for (int i = start; i <= end; i++) peak = Math.Max(peak, double.IsFinite(steps[i].PreClipNorm) ? steps[i].PreClipNorm : double.PositiveInfinity);
        double ratio = Ratio(peak, steps, Math.Max(0, start - History), start);
        return double.IsNaN(ratio) ? null : ratio;
    }

    /// <summary>Indexes of the steps inside a surge: every spike, and the Window steps up to a divergence.</summary>
    public static HashSet<int> SurgeSteps(RunRecord run)
    {
        var steps = new HashSet<int>(run.Spikes.Select(s => s.Step));
        if (run.DivergedAtStep is { } d)
            for (int i = Math.Max(0, IndexOf(run.Steps, d) - Window + 1); i <= IndexOf(run.Steps, d); i++) steps.Add(run.Steps[i].Step);
        return steps;
    }

    /// <summary>norm over the median finite norm of steps[from, to); NaN when there is none or it is 0.</summary>
    private static double Ratio(double norm, IReadOnlyList<StepRecord> steps, int from, int to)
    {
        var history = new List<double>();
        for (int i = from; i < to; i++)
            if (double.IsFinite(steps[i].PreClipNorm)) history.Add(steps[i].PreClipNorm);
        if (history.Count == 0) return double.NaN;
        double median = Statistics.Median(history);
        if (!(median > 0)) return double.NaN;
        return double.IsFinite(norm) ? norm / median : double.PositiveInfinity;
    }

    private static int IndexOf(IReadOnlyList<StepRecord> steps, int step)
    {
        for (int i = 0; i < steps.Count; i++)
            if (steps[i].Step == step) return i;
        throw new ArgumentException($"step {step} is not among the run's steps");
    }
}
