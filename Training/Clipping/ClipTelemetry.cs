// ClipTelemetry: what the clip stage saw and did at one step, for logs, metrics.jsonl and reports.
namespace Engine.Training.Clipping;

/// <summary>What the clip stage saw and did at one step.</summary>
/// <param name="Step">The step (1-based).</param>
/// <param name="PreClipNorm">Global L2 norm of the gradients before clipping (NaN or infinity when they were not finite).</param>
/// <param name="DecisionNorm">The norm the decision compared with the threshold (the p-norm for norm:MAX:P; otherwise the L2 norm).</param>
/// <param name="PostClipNorm">Global L2 norm of the gradients the optimizer applies.</param>
/// <param name="Scale">The uniform factor applied to every gradient (1 for element-wise and per-unit kinds, which report Clipped instead).</param>
/// <param name="Clipped">Whether the kind changed any gradient this step.</param>
/// <param name="Skipped">Whether the update was skipped (non-finite gradients under the skip policy).</param>
/// <param name="Threshold">The threshold in force this step (the adaptive kinds compute it), or null for none.</param>
/// <param name="NonFiniteCount">NaN or infinite gradient entries before the policy acted.</param>
/// <param name="FirstNonFiniteParameter">The first parameter, in store order, with a non-finite gradient, or null.</param>
/// <param name="ParameterNorms">Pre-clip L2 norm of each parameter, in store order.</param>
public sealed record ClipTelemetry(
    int Step,
    double PreClipNorm,
    double DecisionNorm,
    double PostClipNorm,
    double Scale,
    bool Clipped,
    bool Skipped,
    double? Threshold,
    long NonFiniteCount,
    string? FirstNonFiniteParameter,
    double[] ParameterNorms);

/// <summary>The decision the optimizer consumes: skip the update, or update with gradients times OptimizerScale.</summary>
/// <param name="Telemetry">What the stage saw and did.</param>
/// <param name="OptimizerScale">The factor the fused optimizer multiplies every gradient by (1 when the kind rewrote the gradients itself).</param>
/// <param name="SkipUpdate">Whether the optimizer must leave weights and state as they are.</param>
public sealed record ClipOutcome(ClipTelemetry Telemetry, float OptimizerScale, bool SkipUpdate);
