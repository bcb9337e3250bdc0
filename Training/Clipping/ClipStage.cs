// ClipStage: the typed stage between backward and the optimizer. One read of the gradient buffer
// gives every parameter's norm and non-finite count; the policy for non-finite gradients is applied;
// then the kind decides. Uniform kinds (global norm, AutoClip, ZClip) return a scale that the fused
// optimizer applies in its own pass, so they cost no write at all. Kinds that change gradients per
// element or per unit (value, per-parameter, per-layer, AGC) rewrite them in one more pass.
using System.Text.Json;

namespace Engine.Training.Clipping;

/// <summary>The clip stage of a training step: norms, the non-finite policy, then the kind's decision.</summary>
public sealed class ClipStage
{
    private readonly ParameterStore store;
    private readonly int[] offsets, lengths, groupOf;
    private readonly SegmentStatistics[] stats;
    private readonly AutoClipHistory? autoClip;
    private readonly ZClipStatistics? zclip;
    private int consecutiveSkips;

    /// <summary>The kind and its settings.</summary>
    public ClipSpec Spec { get; }
    /// <summary>What happens to non-finite gradients.</summary>
    public NonFinitePolicy Policy { get; }

    /// <summary>Consecutive skipped steps after which the run stops (policy skip).</summary>
    public int MaxConsecutiveSkips { get; }

    /// <summary>
    /// When true (the default) uniform scales are left to the optimizer (no extra pass); when false they
    /// are applied to the gradient buffer here, as PyTorch's clip_grad_norm_ does (a read and a write).
    /// </summary>
    public bool FusedScale { get; init; } = true;

    /// <summary>A clip stage over the store's gradients.</summary>
    /// <param name="spec">The clip kind and its settings.</param>
    /// <param name="policy">What to do with non-finite gradients.</param>
    /// <param name="store">The parameters whose gradients are clipped.</param>
    /// <param name="maxConsecutiveSkips">Consecutive skipped steps after which the run stops (policy skip).</param>
    public ClipStage(ClipSpec spec, NonFinitePolicy policy, ParameterStore store, int maxConsecutiveSkips = 25)
    {
        if (maxConsecutiveSkips <= 0) throw new ArgumentException($"the most consecutive skips must be positive, got {maxConsecutiveSkips}");
        Spec = spec;
        Policy = policy;
        MaxConsecutiveSkips = maxConsecutiveSkips;
        this.store = store;
        offsets = store.All.Select(p => p.Offset).ToArray();
        lengths = store.All.Select(p => p.Length).ToArray();
        var groups = store.Groups.ToList();
        groupOf = store.All.Select(p => groups.IndexOf(p.Group)).ToArray();
        stats = new SegmentStatistics[offsets.Length];
        if (spec.Kind == ClipKind.AutoClip) autoClip = new AutoClipHistory(spec.Window);
        if (spec.Kind == ClipKind.ZClip) zclip = new ZClipStatistics(spec);
    }

    private IBackend K => store.Backend;

    /// <summary>Reads the gradients once, applies the policy and decides; returns what the optimizer must do.</summary>
    /// <param name="step">The step (1-based), for messages and telemetry.</param>
    public ClipOutcome Apply(int step)
    {
        K.SegmentStatistics(store.Grads, offsets, lengths, stats);
        long nonFinite = stats.Sum(s => s.NonFinite);
        int firstBad = Array.FindIndex(stats, s => s.NonFinite > 0);
        string? badName = firstBad < 0 ? null : store.All[firstBad].Name;
        var parameterNorms = stats.Select(s => Math.Sqrt(s.SumSquares)).ToArray();
        double preNorm = Math.Sqrt(stats.Sum(s => s.SumSquares));

        if (nonFinite > 0)
            switch (Policy)
            {
                case NonFinitePolicy.Error:
                    throw new ClipException($"step {step}: the gradient of '{badName}' is not finite ({nonFinite} NaN or infinite values in all; policy 'error')");
                case NonFinitePolicy.Skip:
                    if (++consecutiveSkips >= MaxConsecutiveSkips)
                        throw new ClipException($"step {step}: gradients were not finite for {consecutiveSkips} consecutive steps (first at '{badName}'); stopping. Lower the learning rate or clip harder");
                    return new ClipOutcome(Telemetry(step, preNorm, preNorm, preNorm, 0, false, true, null, nonFinite, badName, parameterNorms), 0f, SkipUpdate: true);
                case NonFinitePolicy.Zero:
                    K.ReplaceNonFinite(0f, store.Grads);
                    K.SegmentStatistics(store.Grads, offsets, lengths, stats);
                    break;
                case NonFinitePolicy.Propagate:
                    break; // the kind decides on the non-finite gradients, as PyTorch would
                default:
                    throw new UnhandledKindException(Policy);
            }
        consecutiveSkips = 0;
        var decided = Decide(step, preNorm);
        return new ClipOutcome(
            Telemetry(step, preNorm, decided.DecisionNorm, decided.PostNorm, decided.Scale, decided.Clipped, false, decided.Threshold, nonFinite, badName, parameterNorms),
            decided.OptimizerScale, SkipUpdate: false);
    }

    private readonly record struct Decision(double DecisionNorm, double PostNorm, double Scale, bool Clipped, double? Threshold, float OptimizerScale);

    private Decision Decide(int step, double preNorm)
    {
        // After the zero policy the statistics describe the cleaned gradients, so norms come from them.
        double l2 = Math.Sqrt(stats.Sum(s => s.SumSquares));
        switch (Spec.Kind)
        {
            case ClipKind.None:
                return new Decision(l2, l2, 1, false, null, 1f);
            case ClipKind.GlobalNorm:
                return Uniform(l2, TotalNorm(Spec.NormType), Spec.Threshold);
            case ClipKind.AutoClip:
                return Uniform(l2, l2, autoClip!.Add(l2, Spec.Threshold));
            case ClipKind.ZClip:
                var (clipTo, threshold) = zclip!.Observe(l2);
                if (clipTo is null) return new Decision(l2, l2, 1, false, threshold, 1f);
                return Uniform(l2, l2, clipTo.Value) with { Threshold = threshold };
            case ClipKind.Value:
                double after = K.ClampValues((float)Spec.Threshold, store.Grads);
                return new Decision(l2, Math.Sqrt(after), 1, stats.Any(s => s.MaxAbs > Spec.Threshold), Spec.Threshold, 1f);
            case ClipKind.ParameterNorm:
                return PerSegment(l2, Enumerable.Range(0, stats.Length).ToArray(), stats.Select(s => s.SumSquares).ToArray());
            case ClipKind.LayerNorm:
                var groupSquares = new double[store.Groups.Count];
                for (int s = 0; s < stats.Length; s++) groupSquares[groupOf[s]] += stats[s].SumSquares;
                return PerSegment(l2, groupOf, groupSquares);
            case ClipKind.Agc:
                var agc = K.AdaptiveClip(store.Values, offsets, Units(out var rowLengths), rowLengths,
                    (float)Spec.Threshold, (float)Spec.Eps, store.Grads);
                return new Decision(l2, Math.Sqrt(agc.SumSquaresAfter), 1, agc.UnitsClipped > 0, Spec.Threshold, 1f);
            default:
                throw new UnhandledKindException(Spec.Kind);
        }
    }

    /// <summary>PyTorch's rule: coef = min(max / (total + 1e-6), 1), always multiplied in.</summary>
    private Decision Uniform(double l2, double total, double max)
    {
        double coef = Math.Min(max / (total + 1e-6), 1.0);
        if (double.IsNaN(total)) coef = double.NaN; // propagate: a NaN total poisons everything, as in PyTorch
        float scale = (float)coef;
        if (!FusedScale)
        {
            K.ScaleSegments([scale], [0], [store.Count], store.Grads);
            scale = 1f;
        }
        return new Decision(total, l2 * coef, coef, coef < 1, max, scale);
    }

    /// <summary>Keras' clip_by_norm per unit u (a parameter or a group): g *= max / max(||g_u||, max).</summary>
    private Decision PerSegment(double l2, int[] unitOfSegment, double[] unitSquares)
    {
        var unitScale = unitSquares.Select(sq => Spec.Threshold / Math.Max(Math.Sqrt(sq), Spec.Threshold)).ToArray();
        var scales = unitOfSegment.Select(u => (float)unitScale[u]).ToArray();
        K.ScaleSegments(scales, offsets, lengths, store.Grads);
        double after = 0;
        for (int s = 0; s < stats.Length; s++) after += stats[s].SumSquares * scales[s] * scales[s];
        return new Decision(l2, Math.Sqrt(after), 1, unitScale.Any(x => x < 1), Spec.Threshold, 1f);
    }

    private double TotalNorm(double p) => p switch
    {
        2 => Math.Sqrt(stats.Sum(s => s.SumSquares)),
        1 => stats.Sum(s => s.SumAbs),
        double.PositiveInfinity => stats.Select(s => s.MaxAbs).Aggregate(0.0, (a, b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b)),
        _ => throw new InvalidOperationException($"norm type {p} is not 2, 1 or inf"),
    };

    /// <summary>AGC's units: a row per output unit for matrices [out, in], an element per unit for vectors.</summary>
    private int[] Units(out int[] rowLengths)
    {
        rowLengths = store.All.Select(p => p.Shape.Length >= 2 ? p.Length / p.Shape[0] : 1).ToArray();
        var rl = rowLengths;
        return store.All.Select((p, i) => p.Length / rl[i]).ToArray();
    }

    private static ClipTelemetry Telemetry(int step, double pre, double decisionNorm, double post, double scale, bool clipped, bool skipped,
        double? threshold, long nonFinite, string? badName, double[] norms)
        => new(step, pre, decisionNorm, post, scale, clipped, skipped, threshold, nonFinite, badName, norms);

    /// <summary>The adaptive state (AutoClip history, ZClip statistics, the skip counter) as JSON, for checkpoints.</summary>
    public string SaveState() => JsonSerializer.Serialize(new SavedState(consecutiveSkips, autoClip?.Save(), zclip?.Save()));

    /// <summary>Restores the adaptive state written by SaveState.</summary>
    public void LoadState(string json)
    {
        var s = JsonSerializer.Deserialize<SavedState>(json) ?? throw new FormatException("empty clip state");
        consecutiveSkips = s.ConsecutiveSkips;
        if (autoClip is not null) autoClip.Load(s.AutoClip ?? throw new FormatException("the checkpoint has no AutoClip history"));
        if (zclip is not null) zclip.Load(s.ZClip ?? throw new FormatException("the checkpoint has no ZClip statistics"));
    }

    private sealed record SavedState(int ConsecutiveSkips, double[]? AutoClip, double[]? ZClip);
}
