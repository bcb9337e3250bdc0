// The records an experiment produces: what happened at every step of every run, what the run ended
// as, and how the runs of one comparison relate. Reports (HTML, charts, summary.json) read only these.
namespace Engine.Training.Experiments;

/// <summary>One optimisation step of one run; the clip fields are the clip stage's telemetry.</summary>
public sealed record StepRecord(
    int Step,
    double Loss,
    double? ValidationLoss,
    double PreClipNorm,
    double PostClipNorm,
    double Scale,
    bool Clipped,
    bool Skipped,
    double? Threshold,
    double LearningRate,
    double TokensPerSecond);

/// <summary>||dL/dh_t|| for every layer and time step, recorded at one step: [layer][t].</summary>
public sealed record HiddenNormSample(int Step, double[][] ByLayerAndTime);

public sealed class RunRecord
{
    public required string Name { get; init; }

    /// <summary>The clip specification, in the `--clip` syntax (e.g. "none", "norm:1").</summary>
    public required string Clip { get; init; }

    public List<StepRecord> Steps { get; } = new();
    public List<HiddenNormSample> HiddenNorms { get; } = new();

    /// <summary>The step at which the run diverged (non-finite loss, or loss above 3x the initial), or null.</summary>
    public int? DivergedAtStep { get; set; }
    public string? DivergedReason { get; set; }

    public double? FinalTrainLoss { get; set; }
    public double? FinalValidationLoss { get; set; }

    /// <summary>For synthetic tasks: fraction of fresh sequences solved at the end, and whether that meets the task's criterion.</summary>
    public double? Accuracy { get; set; }
    public bool? Solved { get; set; }

    public double Seconds { get; set; }

    public double ClipRate => Steps.Count == 0 ? 0 : (double)Steps.Count(s => s.Clipped) / Steps.Count;
}

/// <summary>The threshold suggested from an observed gradient-norm distribution, with the reasoning in words.</summary>
public sealed record ThresholdAdvice(double Threshold, double Percentile, double MedianNorm, double MaxNorm, string Reason);

/// <summary>A threshold sweep: final loss per threshold of one clip kind.</summary>
public sealed record SweepPoint(double Threshold, double? FinalLoss, bool Diverged);

public sealed class ComparisonRecord
{
    public required string Preset { get; init; }
    public required string Description { get; init; }

    /// <summary>Every option of the comparison (model, optimizer, seed, steps ...), for the report's header and summary.json.</summary>
    public required IReadOnlyDictionary<string, string> Settings { get; init; }

    public List<RunRecord> Runs { get; } = new();

    /// <summary>Set when the comparison was a sweep (`--sweep kind:t1,t2,...`): the clip kind and one point per threshold.</summary>
    public string? SweepKind { get; set; }
    public List<SweepPoint> Sweep { get; } = new();

    public ThresholdAdvice? Advice { get; set; }
}
