// LearningRateSchedule: the learning rate as a pure function of the step (1-based), so resuming at any
// step gives the same rate. Syntax: "constant", "step:EVERY:GAMMA", "cosine" or "cosine:MIN_FRACTION",
// each optionally preceded by a linear warm-up "warmup:STEPS+..." (e.g. "warmup:100+cosine").
using System.Globalization;

namespace Engine.Training.Optimizers;

/// <summary>The shape of a schedule after its optional warm-up.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant,
    /// <summary>The rate times GAMMA every EVERY steps (PyTorch's StepLR).</summary>
    Step,
    /// <summary>Half a cosine from the base rate down to MIN_FRACTION of it at the last step (CosineAnnealingLR).</summary>
    Cosine,
}

/// <summary>A learning-rate schedule: a factor on the base rate as a pure function of the step.</summary>
public sealed class LearningRateSchedule
{
    private readonly int warmup, every;
    private readonly double gamma, minFraction;

    /// <summary>The text it was parsed from.</summary>
    public string Text { get; }

    /// <summary>The shape after the warm-up.</summary>
    public ScheduleKind Kind { get; }

    private LearningRateSchedule(string text, ScheduleKind kind, int warmup, int every, double gamma, double minFraction)
        => (Text, Kind, this.warmup, this.every, this.gamma, this.minFraction) = (text, kind, warmup, every, gamma, minFraction);

    /// <summary>The base rate at every step.</summary>
    public static LearningRateSchedule Constant { get; } = Parse("constant");

    /// <summary>Parses the --schedule syntax; nonsense is refused in one line.</summary>
    public static LearningRateSchedule Parse(string text)
    {
        string rest = text.Trim();
        int warmup = 0;
        if (rest.StartsWith("warmup:", StringComparison.Ordinal))
        {
            int plus = rest.IndexOf('+');
            string steps = plus < 0 ? rest[7..] : rest[7..plus];
            warmup = PositiveInt(text, steps, "warm-up steps");
            rest = plus < 0 ? "constant" : rest[(plus + 1)..];
        }
        var parts = rest.Split(':');
        switch (parts[0])
        {
            case "constant" when parts.Length == 1:
                return new(text, ScheduleKind.Constant, warmup, 0, 1, 0);
            case "step" when parts.Length == 3:
                double g = Number(text, parts[2], "gamma");
                if (!(g > 0 && g <= 1)) throw new ArgumentException($"schedule '{text}': gamma must be in (0, 1], got {parts[2]}");
                return new(text, ScheduleKind.Step, warmup, PositiveInt(text, parts[1], "step interval"), g, 0);
            case "cosine" when parts.Length <= 2:
                double min = parts.Length == 2 ? Number(text, parts[1], "minimum fraction") : 0;
                if (!(min >= 0 && min < 1)) throw new ArgumentException($"schedule '{text}': minimum fraction must be in [0, 1), got {parts[1]}");
                return new(text, ScheduleKind.Cosine, warmup, 0, 1, min);
            default:
                throw new ArgumentException($"unknown schedule '{text}'; use constant, step:EVERY:GAMMA, cosine[:MIN] with an optional warmup:N+ prefix");
        }
    }

    /// <summary>The factor on the base learning rate at step (1-based) of a run of totalSteps.</summary>
    public double Factor(int step, int totalSteps)
    {
        double warm = warmup > 0 && step <= warmup ? (double)step / warmup : 1;
        int after = Math.Max(0, step - 1 - warmup); // steps completed since warm-up ended
        double main = Kind switch
        {
            ScheduleKind.Constant => 1,
            ScheduleKind.Step => Math.Pow(gamma, after / every),
            ScheduleKind.Cosine => minFraction + (1 - minFraction) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1.0, after / (double)Math.Max(1, totalSteps - warmup - 1)))),
            _ => throw new UnhandledKindException(Kind),
        };
        return warm * main;
    }

    /// <summary>The canonical text, which parses back to the same schedule (e.g. "warmup:100+cosine:0.1").</summary>
    public override string ToString() => (warmup > 0 ? $"warmup:{warmup}+" : "") + Kind switch
    {
        ScheduleKind.Constant => "constant",
        ScheduleKind.Step => $"step:{every}:{gamma.ToString("R", CultureInfo.InvariantCulture)}",
        ScheduleKind.Cosine => minFraction == 0 ? "cosine" : $"cosine:{minFraction.ToString("R", CultureInfo.InvariantCulture)}",
        _ => throw new UnhandledKindException(Kind),
    };

    private static int PositiveInt(string text, string s, string what)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0)
            throw new ArgumentException($"schedule '{text}': {what} must be a positive integer, got '{s}'");
        return v;
    }

    private static double Number(string text, string s, string what)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new ArgumentException($"schedule '{text}': {what} must be a number, got '{s}'");
        return v;
    }
}
