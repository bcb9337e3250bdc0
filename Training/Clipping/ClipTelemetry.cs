// ClipTelemetry: what the clip stage saw and did at one step, for logs, metrics.jsonl and reports.
namespace Engine.Training.Clipping;

public sealed record ClipTelemetry(
    int Step,
    /// <summary>Global L2 norm of the gradients before clipping (NaN or infinity when they were not finite).</summary>
    double PreClipNorm,
    /// <summary>The norm the decision compared with the threshold (the p-norm for norm:MAX:P; otherwise the L2 norm).</summary>
    double DecisionNorm,
    /// <summary>Global L2 norm of the gradients the optimizer applies.</summary>
    double PostClipNorm,
    /// <summary>The uniform factor applied to every gradient (1 for element-wise and per-unit kinds, which report Clipped instead).</summary>
    double Scale,
    bool Clipped,
    bool Skipped,
    /// <summary>The threshold in force this step (the adaptive kinds compute it), or null for none.</summary>
    double? Threshold,
    long NonFiniteCount,
    string? FirstNonFiniteParameter,
    /// <summary>Pre-clip L2 norm of each parameter, in store order.</summary>
    double[] ParameterNorms);

/// <summary>The decision the optimizer consumes: skip the update, or update with gradients times OptimizerScale.</summary>
public sealed record ClipOutcome(ClipTelemetry Telemetry, float OptimizerScale, bool SkipUpdate);
