// The records an experiment produces: what happened at every step of every run and seed, what each
// ended as, and how the runs of one comparison relate. Reports (HTML, charts, summary.json) read only these.
namespace Engine.Training.Experiments;

/// <summary>One optimisation step of one run; the clip fields are the clip stage's telemetry; Seconds is the wall-clock time since the run's first step (null in files written before it was kept).</summary>
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
    double TokensPerSecond,
    double? Seconds = null);

/// <summary>||dL/dh_t|| for every layer and time step, recorded at one step: [layer][t].</summary>
public sealed record HiddenNormSample(int Step, double[][] ByLayerAndTime);

/// <summary>A step whose pre-clip gradient norm is over Surges.SpikeFactor times the median of the steps before it.</summary>
public sealed record Spike(int Step, double Ratio);

/// <summary>How a run ended: exactly one of these (see Verdicts for the rules).</summary>
public enum Verdict { Trained, DidNotLearn, Diverged }

/// <summary>What a run's loss measures, for the unit its charts name.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy in nats: the language model's next character, a classification task's class.</summary>
    CrossEntropy,
    /// <summary>Mean squared error: a regression task's (the adding problem's) output.</summary>
    SquaredError,
}

/// <summary>One run of a comparison with one seed.</summary>
public sealed class RunRecord
{
    public required string Name { get; init; }

    /// <summary>The clip specification, in the `--clip` syntax (e.g. "none", "norm:1").</summary>
    public required string Clip { get; init; }

    public ulong Seed { get; init; }

    /// <summary>The options this run changes from the comparison's base, as option=value pairs ("" for none).</summary>
    public string Overrides { get; init; } = "";

    /// <summary>The line this run belongs to in a chart over sequence lengths (its name when it has one length).</summary>
    public string Series { get; init; } = "";

    /// <summary>The synthetic task's sequence length, or null for character-LM runs.</summary>
    public int? TaskSteps { get; init; }

    /// <summary>
    /// Whether the loss reads only the last time step (a synthetic task judged at its end): then ||dL/dh_t|| at
    /// earlier steps is the last step's gradient carried back, and its ratio to the last measures the reach
    /// through time. A loss at every step (a language model) adds its own gradient at each step.
    /// </summary>
    public bool LossAtLastStep { get; init; }

    /// <summary>What the loss measures: cross-entropy unless the run is a regression task (LossOf).</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>What a run's loss measures: the synthetic task's, or a language model's (no task) cross-entropy.</summary>
    public static LossKind LossOf(Tasks.SyntheticTask? task) => task is { IsRegression: true } ? LossKind.SquaredError : LossKind.CrossEntropy;

    /// <summary>
    /// Whether the run trained to its budget and is judged at its end (Pascanu et al.'s protocol): a loss above
    /// 3x its start did not stop it, only a non-finite loss would have.
    /// </summary>
    public bool RanToBudget { get; init; }

    /// <summary>Path of this run's metrics.jsonl, relative to the report directory (null when it was not written by the report).</summary>
    public string? Metrics { get; set; }

    public List<StepRecord> Steps { get; } = new();
    public List<HiddenNormSample> HiddenNorms { get; } = new();

    /// <summary>The loss of the first step: the reference for divergence and for learning.</summary>
    public double? InitialLoss { get; set; }

    /// <summary>The step at which the run diverged (non-finite loss, or loss above 3x the initial), or null.</summary>
    public int? DivergedAtStep { get; set; }
    public string? DivergedReason { get; set; }

    /// <summary>For a diverged run: the gradient surge before it (Surges.SpikeRatio).</summary>
    public double? SpikeRatio { get; set; }
    public List<Spike> Spikes { get; } = new();

    public Verdict Verdict { get; set; }

    public double? FinalTrainLoss { get; set; }
    public double? FinalValidationLoss { get; set; }

    /// <summary>For synthetic tasks: fraction of fresh sequences solved at the end, and whether that meets the task's criterion.</summary>
    public double? Accuracy { get; set; }
    public bool? Solved { get; set; }

    public double Seconds { get; set; }

    public double ClipRate => Steps.Count == 0 ? 0 : (double)Steps.Count(s => s.Clipped) / Steps.Count;
}

/// <summary>One threshold the advice was checked at: the run trained at it and that run's worst verdict over the seeds.</summary>
public sealed record AdviceAttempt(double Threshold, string Run, Verdict Verdict);

/// <summary>The threshold suggested from the gradient norms outside surges, and the runs that checked it.</summary>
public sealed record ThresholdAdvice(double Threshold, string Rule, double QuietMedian, int QuietSteps, double QuietShareAbove, string Reason)
{
    /// <summary>The thresholds trained at, in order: the suggestion, then half of the last while a run's worst seed did not train (ThresholdAdvisor.Attempts at most).</summary>
    public IReadOnlyList<AdviceAttempt> Attempts { get; init; } = [];

    /// <summary>The last threshold checked (the one to use when it trained), or null when none was trained.</summary>
    public AdviceAttempt? Verified => Attempts.Count == 0 ? null : Attempts[^1];

    /// <summary>The verdict at the last threshold checked (its worst seed), or null when none was trained.</summary>
    public Verdict? VerifiedVerdict => Verified?.Verdict;
}

/// <summary>One point of a threshold sweep: the median final loss over the seeds that did not diverge.</summary>
public sealed record SweepPoint(double Threshold, double? FinalLoss, int DivergedSeeds, int Seeds);

public sealed class ComparisonRecord
{
    public required string Preset { get; init; }
    public required string Description { get; init; }

    /// <summary>Every option of the comparison (model, optimizer, seeds, steps ...), for the report's header and summary.json.</summary>
    public required IReadOnlyDictionary<string, string> Settings { get; init; }

    /// <summary>Every run with every seed, grouped by run in the order of the plan.</summary>
    public List<RunRecord> Runs { get; } = new();

    /// <summary>The runs grouped by name, in order of first appearance.</summary>
    public IReadOnlyList<RunGroup> Groups => Runs.GroupBy(r => r.Name).Select(g => new RunGroup(g.Key, g.ToList())).ToList();

    /// <summary>Set when the comparison was a sweep (`--sweep kind:t1,t2,...`): the clip kind and one point per threshold.</summary>
    public string? SweepKind { get; set; }
    public List<SweepPoint> Sweep { get; } = new();

    public ThresholdAdvice? Advice { get; set; }

    /// <summary>The name of the run that checked the last threshold of the advice, when one was trained.</summary>
    public string? AdviceRun => Advice?.Verified?.Run;
}
