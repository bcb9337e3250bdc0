// GradientReach: how far the gradient travels back, read from the recorded ||dL/dh|| of a run.
// Through time, the norm at the first time step of the chunk over the norm at the last; through depth,
// the first layer's norm (mean over the chunk) over the top layer's. A ratio far below 1 is the
// gradient vanishing on its way back, far above 1 exploding. Each is the median over the recorded
// training steps of a phase, the first or the last quarter of them, so one unusual step does not
// decide it: a network that learns a long dependency opens its gradient's path while it trains (a GRU
// on the adding problem goes from 1e-20 to about 0.5 of the gradient reaching 100 steps back), so
// where training starts and where it ends are both part of the story.
namespace Engine.Training.Experiments;

/// <summary>Which recorded steps a reach is read from: the first or the last quarter of them (at least one).</summary>
public enum TrainingPhase { Start, End }

public static class GradientReach
{
    /// <summary>
    /// A gradient that keeps less than this share of itself per step back (per time step, or per layer) counts
    /// as vanishing; one that grows by more than its inverse per step, as exploding. Over 99 steps 0.85 per
    /// step leaves 1e-7 of the gradient; a kept gradient may still fade slowly, as a GRU's does while it learns.
    /// </summary>
    public const double VanishingPerStep = 0.85;

    /// <summary>
    /// ||dL/dh_t|| / ||dL/dh_{T-1}|| of the last layer for every time step t: the median over the phase's
    /// recorded steps whose norms are finite and whose last one is positive. Null when nothing usable was recorded,
    /// or when the loss reads every time step (RunRecord.LossAtLastStep), where the ratio measures no reach.
    /// </summary>
    public static double[]? ThroughTime(RunRecord run, TrainingPhase phase = TrainingPhase.End)
    {
        if (!run.LossAtLastStep) return null;
        var rows = Phase(run.HiddenNorms.Select(s => s.ByLayerAndTime[^1]).Where(r => r.Length > 0 && r[^1] > 0 && r.All(double.IsFinite)).ToList(), phase);
        if (rows.Count == 0) return null;
        int times = rows[0].Length;
        return Enumerable.Range(0, times).Select(t => Statistics.Median(rows.Select(r => r[t] / r[^1]).ToList())).ToArray();
    }

    /// <summary>
    /// The mean over the chunk of ||dL/dh_t|| of every layer over the top layer's: the median over the phase's
    /// recorded steps whose means are finite and whose top-layer mean is positive. Null for one layer or when
    /// nothing usable was recorded.
    /// </summary>
    public static double[]? ThroughDepth(RunRecord run, TrainingPhase phase = TrainingPhase.End)
    {
        var means = Phase(run.HiddenNorms.Where(s => s.ByLayerAndTime.Length > 1).Select(s => s.ByLayerAndTime.Select(l => l.Average()).ToArray())
            .Where(m => m[^1] > 0 && m.All(double.IsFinite)).ToList(), phase);
        if (means.Count == 0) return null;
        int layers = means[0].Length;
        return Enumerable.Range(0, layers).Select(l => Statistics.Median(means.Select(m => m[l] / m[^1]).ToList())).ToArray();
    }

    /// <summary>The reach from the last time step to the first (ThroughTime's first entry), or null.</summary>
    public static double? TimeReach(RunRecord run, TrainingPhase phase = TrainingPhase.End) => ThroughTime(run, phase)?[0];

    /// <summary>The reach from the top layer to the first (ThroughDepth's first entry), or null.</summary>
    public static double? DepthReach(RunRecord run, TrainingPhase phase = TrainingPhase.End) => ThroughDepth(run, phase)?[0];

    private static List<T> Phase<T>(List<T> samples, TrainingPhase phase)
    {
        int quarter = Math.Max(1, samples.Count / 4);
        return phase switch
        {
            TrainingPhase.Start => samples.Take(quarter).ToList(),
            TrainingPhase.End => samples.Skip(samples.Count - quarter).ToList(),
            _ => throw new UnhandledKindException(phase),
        };
    }

    /// <summary>The share of the gradient kept per step back, from a reach over a number of steps (hops).</summary>
    public static double PerStep(double reach, int hops) => hops <= 0 ? 1 : Math.Pow(reach, 1.0 / hops);

    /// <summary>A reach over hops steps back in words: vanishing, exploding or kept (by its share per step).</summary>
    public static string Describe(double reach, int hops)
    {
        double rate = PerStep(reach, hops);
        return !double.IsFinite(rate) ? "not finite"
            : rate < VanishingPerStep ? "vanishing"
            : rate > 1 / VanishingPerStep ? "exploding"
            : "kept";
    }
}
