// Verdicts: the rules that say how a run ended. A run is exactly one of
//   diverged       a non-finite loss, or a loss above 3x the initial (first step's) loss, at some step
//                  (for a run trained to its budget and judged at its end, only a non-finite loss);
//   did-not-learn  not diverged, but its final validation loss is not below the initial loss (for a
//                  synthetic task: it did not meet the task's accuracy criterion);
//   trained        otherwise.
// The same rules judge compare's runs as they train and `train` runs read back from metrics.jsonl.
using System.Globalization;
using Engine.Training.Trainer;

namespace Engine.Training.Experiments;

public static class Verdicts
{
    public static string Name(Verdict verdict) => verdict switch
    {
        Verdict.Trained => "trained",
        Verdict.DidNotLearn => "did-not-learn",
        Verdict.Diverged => "diverged",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "unknown verdict"),
    };

    /// <summary>Why a step's loss means divergence (char-rnn's rule, as `train` applies it), or null when it does not.</summary>
    public static string? Divergence(double loss, double initial) =>
        !double.IsFinite(loss) ? "loss is not finite"
        : loss > TrainingRun.DivergenceFactor * initial ? string.Create(CultureInfo.InvariantCulture, $"loss {loss:F2} above {TrainingRun.DivergenceFactor}x the initial {initial:F2}")
        : null;

    /// <summary>
    /// Judges a run from its steps (and, set beforehand, its final validation loss or task accuracy):
    /// the initial loss, where it diverged and why, its final training loss, spikes, spike ratio and verdict.
    /// </summary>
    public static void Assess(RunRecord run)
    {
        if (run.Steps.Count == 0) throw new ArgumentException($"run '{run.Name}' has no steps to judge");
        double initial = run.Steps[0].Loss;
        run.InitialLoss = initial;
        run.DivergedAtStep = null;
        run.DivergedReason = null;
        foreach (var step in run.Steps)
            if (Divergence(step.Loss, initial) is { } reason && (!run.RanToBudget || !double.IsFinite(step.Loss)))
            {
                run.DivergedAtStep = step.Step;
                run.DivergedReason = reason;
                break;
            }
        run.Spikes.Clear();
        run.Spikes.AddRange(Surges.Spikes(run.Steps));
        run.SpikeRatio = run.DivergedAtStep is { } d ? Surges.SpikeRatio(run.Steps, d) : null;
        // One step is noisy: the final training loss is the mean of the last 20 steps (the last step for a diverged run).
        run.FinalTrainLoss = run.DivergedAtStep is null ? run.Steps.TakeLast(20).Average(s => s.Loss) : run.Steps.First(s => s.Step == run.DivergedAtStep).Loss;
        if (run.DivergedAtStep is not null) run.FinalValidationLoss = null;
        run.Verdict = run.DivergedAtStep is not null ? Verdict.Diverged
            : run.Solved is { } solved ? (solved ? Verdict.Trained : Verdict.DidNotLearn)
            : (run.FinalValidationLoss ?? run.FinalTrainLoss) < initial ? Verdict.Trained
            : Verdict.DidNotLearn;
    }
}
