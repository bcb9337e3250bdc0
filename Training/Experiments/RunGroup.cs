// RunGroup: one run of a comparison over all its seeds, summarised as the table and summary.json show
// it: how many seeds ended as each verdict, and the median and range of the final validation loss.
namespace Engine.Training.Experiments;

public sealed record RunGroup(string Name, IReadOnlyList<RunRecord> Seeds)
{
    public string Clip => Seeds[0].Clip;

    public int Count(Verdict verdict) => Seeds.Count(s => s.Verdict == verdict);

    /// <summary>The worst verdict of any seed (diverged, then did-not-learn, then trained).</summary>
    public Verdict Worst => Seeds.Max(s => s.Verdict);

    /// <summary>Final validation losses of the seeds that have one (diverged seeds have none), for the median and range.</summary>
    public IReadOnlyList<double> FinalValidationLosses => Seeds.Where(s => s.FinalValidationLoss is { } v && double.IsFinite(v)).Select(s => s.FinalValidationLoss!.Value).ToList();

    public double? MedianFinalValidationLoss => FinalValidationLosses is { Count: > 0 } v ? Statistics.Median(v) : null;
    public double? MinFinalValidationLoss => FinalValidationLosses is { Count: > 0 } v ? v.Min() : null;
    public double? MaxFinalValidationLoss => FinalValidationLosses is { Count: > 0 } v ? v.Max() : null;

    public IReadOnlyList<double> Accuracies => Seeds.Where(s => s.Accuracy is not null).Select(s => s.Accuracy!.Value).ToList();

    public double MedianClipRate => Statistics.Median(Seeds.Select(s => s.ClipRate).ToList());
}
