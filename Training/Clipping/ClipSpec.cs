// ClipSpec: which clipping a run uses, in one syntax for every kind (the --clip option):
//   none | value:V | norm:MAX[:P] (P = 2, 1 or inf) | param-norm:MAX | layer-norm:MAX |
//   agc:CLIPPING[:EPS] | auto:PERCENTILE[:WINDOW] | zclip[:Z[:ALPHA[:WARMUP]]]
// Parse and ToString round-trip; nonsense gives one line naming what is wrong.
using System.Globalization;

namespace Engine.Training.Clipping;

/// <summary>The clip kinds.</summary>
public enum ClipKind
{
    /// <summary>No clipping (norms are still measured): `none`.</summary>
    None,
    /// <summary>Each element clamped to [-V, V] (clip_grad_value_): `value:V`.</summary>
    Value,
    /// <summary>All gradients scaled so that their global p-norm is at most MAX (clip_grad_norm_): `norm:MAX[:P]`.</summary>
    GlobalNorm,
    /// <summary>Each parameter's gradient scaled to norm at most MAX: `param-norm:MAX`.</summary>
    ParameterNorm,
    /// <summary>Each layer's gradients scaled to norm at most MAX: `layer-norm:MAX`.</summary>
    LayerNorm,
    /// <summary>Adaptive gradient clipping: each unit's gradient held to CLIPPING times its weight norm: `agc:CLIPPING[:EPS]`.</summary>
    Agc,
    /// <summary>AutoClip: global norm clipped at a percentile of the norms seen so far: `auto:PERCENTILE[:WINDOW]`.</summary>
    AutoClip,
    /// <summary>ZClip: global norm clipped when its z-score against running statistics exceeds Z: `zclip[:Z[:ALPHA[:WARMUP]]]`.</summary>
    ZClip,
}

/// <summary>A clip kind with its settings; Parse reads the --clip syntax and ToString writes it back.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Threshold">The kind's threshold: V, MAX, CLIPPING or PERCENTILE.</param>
/// <param name="NormType">The p of norm:MAX:P (2, 1 or infinity).</param>
/// <param name="Eps">AGC's floor on a unit's weight norm.</param>
/// <param name="Window">AutoClip's window of recent norms (0: every norm seen).</param>
/// <param name="ZThreshold">ZClip's z-score threshold.</param>
/// <param name="Alpha">ZClip's smoothing factor of the running mean and variance.</param>
/// <param name="WarmUp">ZClip's steps of statistics before it may clip.</param>

public sealed record ClipSpec(ClipKind Kind, double Threshold = 0, double NormType = 2, double Eps = ClipSpec.DefaultAgcEps, int Window = 0,
    double ZThreshold = ClipSpec.DefaultZThreshold, double Alpha = ClipSpec.DefaultZAlpha, int WarmUp = ClipSpec.DefaultZWarmUp)
{
    /// <summary>AGC's eps (the floor on a unit's weight norm), as in the paper's reference code.</summary>
    public const double DefaultAgcEps = 1e-3;
    /// <summary>ZClip's z threshold and smoothing factor, as its authors recommend.</summary>
    public const double DefaultZThreshold = 2.5, DefaultZAlpha = 0.97;
    /// <summary>ZClip's warm-up steps before it may clip.</summary>
    public const int DefaultZWarmUp = 25;

    /// <summary>The syntax of every kind, for help and error messages.</summary>
    public const string Syntax = "none, value:V, norm:MAX[:2|1|inf], param-norm:MAX, layer-norm:MAX, agc:CLIPPING[:EPS], auto:PERCENTILE[:WINDOW], zclip[:Z[:ALPHA[:WARMUP]]]";

    /// <summary>No clipping.</summary>
    public static ClipSpec None { get; } = new(ClipKind.None);

    /// <summary>The number a sweep varies: the z threshold for ZClip, the threshold (or percentile) otherwise.</summary>
    public double SweepValue => Kind == ClipKind.ZClip ? ZThreshold : Threshold;

    /// <summary>Parses the --clip syntax; nonsense is refused in one line naming what is wrong.</summary>
    public static ClipSpec Parse(string text)
    {
        var parts = text.Trim().Split(':');
        string kind = parts[0];
        int args = parts.Length - 1;
        ClipSpec spec = kind switch
        {
            "none" when args == 0 => None,
            "value" when args == 1 => new(ClipKind.Value, Positive(text, parts[1], "value")),
            "norm" when args is 1 or 2 => new(ClipKind.GlobalNorm, Positive(text, parts[1], "max norm"), args == 2 ? ParseNormType(text, parts[2]) : 2),
            "param-norm" when args == 1 => new(ClipKind.ParameterNorm, Positive(text, parts[1], "max norm")),
            "layer-norm" when args == 1 => new(ClipKind.LayerNorm, Positive(text, parts[1], "max norm")),
            "agc" when args is 1 or 2 => new(ClipKind.Agc, Positive(text, parts[1], "clipping"), Eps: args == 2 ? Positive(text, parts[2], "eps") : DefaultAgcEps),
            "auto" when args is 1 or 2 => new(ClipKind.AutoClip, Percentile(text, parts[1]), Window: args == 2 ? PositiveInt(text, parts[2], "window") : 0),
            "zclip" when args <= 3 => new(ClipKind.ZClip,
                ZThreshold: args >= 1 ? Positive(text, parts[1], "z threshold") : DefaultZThreshold,
                Alpha: args >= 2 ? Fraction(text, parts[2], "alpha") : DefaultZAlpha,
                WarmUp: args >= 3 ? PositiveInt(text, parts[3], "warm-up steps") : DefaultZWarmUp),
            _ => throw new ArgumentException($"unknown clip '{text}'; use one of: {Syntax}"),
        };
        return spec;
    }

    /// <summary>The --clip text, which parses back to an equal spec.</summary>
    public override string ToString() => Kind switch
    {
        ClipKind.None => "none",
        ClipKind.Value => $"value:{F(Threshold)}",
        ClipKind.GlobalNorm => NormType == 2 ? $"norm:{F(Threshold)}" : $"norm:{F(Threshold)}:{(double.IsInfinity(NormType) ? "inf" : F(NormType))}",
        ClipKind.ParameterNorm => $"param-norm:{F(Threshold)}",
        ClipKind.LayerNorm => $"layer-norm:{F(Threshold)}",
        ClipKind.Agc => Eps == DefaultAgcEps ? $"agc:{F(Threshold)}" : $"agc:{F(Threshold)}:{F(Eps)}",
        ClipKind.AutoClip => Window == 0 ? $"auto:{F(Threshold)}" : $"auto:{F(Threshold)}:{Window}",
        ClipKind.ZClip => $"zclip:{F(ZThreshold)}:{F(Alpha)}:{WarmUp}",
        _ => throw new UnhandledKindException(Kind),
    };

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static double Number(string text, string s, string what)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new ArgumentException($"clip '{text}': {what} '{s}' is not a number");
        return v;
    }

    private static double Positive(string text, string s, string what)
    {
        double v = Number(text, s, what);
        if (!(v > 0) || double.IsInfinity(v)) throw new ArgumentException($"clip '{text}': {what} must be a finite number above 0, got {s}");
        return v;
    }

    private static double Fraction(string text, string s, string what)
    {
        double v = Number(text, s, what);
        if (!(v > 0 && v < 1)) throw new ArgumentException($"clip '{text}': {what} must be in (0, 1), got {s}");
        return v;
    }

    private static double Percentile(string text, string s)
    {
        double v = Number(text, s, "percentile");
        if (!(v > 0 && v <= 100)) throw new ArgumentException($"clip '{text}': percentile must be in (0, 100], got {s}");
        return v;
    }

    private static int PositiveInt(string text, string s, string what)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0)
            throw new ArgumentException($"clip '{text}': {what} must be a positive integer, got {s}");
        return v;
    }

    private static double ParseNormType(string text, string s) => s switch
    {
        "2" => 2,
        "1" => 1,
        "inf" => double.PositiveInfinity,
        _ => throw new ArgumentException($"clip '{text}': norm type must be 2, 1 or inf, got {s}"),
    };
}
