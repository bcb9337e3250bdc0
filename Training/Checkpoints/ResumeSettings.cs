// ResumeSettings: what a resumed run may change and what it may not. The budget, cadences, learning
// rate and its schedule, early-stopping patience, optimizer hyperparameters, clip, non-finite policy, device and corpus (with the
// same vocabulary) may change; the model's shape and cell, dropout, residual connections, layer norm,
// the batch layout, the optimizer kind, the initialisation and the seed belong to the checkpoint, and
// asking for another value is refused in one line naming the option. Every option is in exactly one
// of the two lists.
using System.Globalization;
using Engine.Training.Trainer;

namespace Engine.Training.Checkpoints;

public static class ResumeSettings
{
    private sealed record Setting(string Option, Func<TrainConfig, object?> Get, Func<TrainConfig, TrainConfig, TrainConfig>? Take);

    private static Setting Fixed(string option, Func<TrainConfig, object?> get) => new(option, get, null);
    private static Setting Free(string option, Func<TrainConfig, object?> get, Func<TrainConfig, TrainConfig, TrainConfig> take) => new(option, get, take);

    private static readonly Setting[] Settings =
    [
        Fixed("--cell", c => c.Cell),
        Fixed("--layers", c => c.Layers),
        Fixed("--hidden", c => c.Hidden),
        Fixed("--embedding", c => c.Embedding),
        Fixed("--seq", c => c.SequenceLength),
        Fixed("--batch", c => c.Batch),
        Fixed("--optimizer", c => c.Optimizer),
        Fixed("--init", c => c.Init),
        Fixed("--forget-bias", c => c.ForgetBias),
        Fixed("--seed", c => c.Seed),
        Fixed("--dropout", c => c.Dropout),
        Fixed("--embedding-dropout", c => c.EmbeddingDropout),
        Fixed("--residual", c => c.Residual),
        Fixed("--layer-norm", c => c.LayerNorm),
        Free("--corpus", c => c.Corpus, (s, r) => s with { Corpus = r.Corpus }),
        Free("--steps", c => c.Steps, (s, r) => s with { Steps = r.Steps }),
        Free("--minutes", c => c.Minutes, (s, r) => s with { Minutes = r.Minutes }),
        Free("--lr", c => c.LearningRate, (s, r) => s with { LearningRate = r.LearningRate }),
        Free("--weight-decay", c => c.WeightDecay, (s, r) => s with { WeightDecay = r.WeightDecay }),
        Free("--momentum", c => c.Momentum, (s, r) => s with { Momentum = r.Momentum }),
        Free("--nesterov", c => c.Nesterov, (s, r) => s with { Nesterov = r.Nesterov }),
        Free("--beta1", c => c.Beta1, (s, r) => s with { Beta1 = r.Beta1 }),
        Free("--beta2", c => c.Beta2, (s, r) => s with { Beta2 = r.Beta2 }),
        Free("--eps", c => c.Eps, (s, r) => s with { Eps = r.Eps }),
        Free("--alpha", c => c.Alpha, (s, r) => s with { Alpha = r.Alpha }),
        Free("--schedule", c => c.Schedule, (s, r) => s with { Schedule = r.Schedule }),
        Free("--clip", c => c.Clip, (s, r) => s with { Clip = r.Clip }),
        Free("--nonfinite", c => c.NonFinite, (s, r) => s with { NonFinite = r.NonFinite }),
        Free("--max-skips", c => c.MaxSkips, (s, r) => s with { MaxSkips = r.MaxSkips }),
        Free("--device", c => c.Device, (s, r) => s with { Device = r.Device }),
        Free("--val-every", c => c.ValidateEvery, (s, r) => s with { ValidateEvery = r.ValidateEvery }),
        Free("--val-chars", c => c.ValidationChars, (s, r) => s with { ValidationChars = r.ValidationChars }),
        Free("--patience", c => c.Patience, (s, r) => s with { Patience = r.Patience }),
        Free("--checkpoint-every", c => c.CheckpointEvery, (s, r) => s with { CheckpointEvery = r.CheckpointEvery }),
        Free("--hidden-norms-every", c => c.HiddenNormsEvery, (s, r) => s with { HiddenNormsEvery = r.HiddenNormsEvery }),
    ];

    /// <summary>
    /// The checkpoint's config with every given option of requested applied, validated like a fresh
    /// run's; Changed lists the options whose value differs from the checkpoint's.
    /// </summary>
    public static (TrainConfig Config, IReadOnlyList<string> Changed) Merge(TrainConfig saved, TrainConfig requested, IEnumerable<string> given)
    {
        var config = saved;
        var changed = new List<string>();
        foreach (string option in given)
        {
            var setting = Settings.FirstOrDefault(s => s.Option == option)
                ?? throw new ArgumentException($"{option} cannot be given with --resume");
            object? was = setting.Get(saved), wanted = setting.Get(requested);
            if (Equals(was, wanted)) continue;
            if (setting.Take is null)
                throw new ArgumentException($"{option} cannot change when resuming: the checkpoint was trained with {Show(was)}, got {Show(wanted)}; start a fresh run to change it");
            config = setting.Take(config, requested);
            changed.Add(option);
        }
        config.Validate();
        return (config, changed);
    }

    private static string Show(object? value) => value switch
    {
        null => "none",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "none",
    };
}
