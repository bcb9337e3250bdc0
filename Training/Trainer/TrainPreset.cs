// TrainPreset: named recipes for `train --preset NAME`. A recipe is a whole TrainConfig; options typed
// beside it replace its settings one by one, as they replace a compare preset's. Each recipe was chosen
// by measurement and its figures are in docs/performance.md.
namespace Engine.Training.Trainer;

/// <summary>A named recipe for `train --preset`: its name, a line saying what it trains, and its whole config.</summary>
/// <param name="Name">The name `--preset` takes.</param>
/// <param name="Description">What the recipe trains, for `train --help`.</param>
/// <param name="Config">Every setting of the run.</param>
public sealed record TrainPreset(string Name, string Description, TrainConfig Config)
{
    /// <summary>
    /// The tiny-Shakespeare recipe: a wider LSTM than the default (which overfits after about 4 epochs), held
    /// back by dropout between the layers and before the output layer, with a short warm-up and a cosine decay
    /// over a step budget that fits 20 minutes on two cores (and a 20-minute cap, so a slower machine stops
    /// there: the best validation comes well before the end). Dropout 0.35 beat 0.25 (best validation 1.395
    /// against 1.407 at the same budget); the best weights are kept in best.safetensors.
    /// </summary>
    public static readonly TrainPreset Shakespeare = new("shakespeare",
        "2x512 LSTM with dropout 0.35 on tiny Shakespeare: Adam 2e-3, 200 warm-up steps then a cosine decay to 5% over 6,600 steps, clip norm:1, at most 20 minutes",
        new TrainConfig
        {
            Corpus = "tinyshakespeare", Cell = "lstm", Layers = 2, Hidden = 512, Embedding = 64, SequenceLength = 64, Batch = 32,
            Steps = 6600, Optimizer = "adam", LearningRate = 2e-3f, Schedule = "warmup:200+cosine:0.05", Clip = "norm:1",
            Dropout = 0.35f, ValidateEvery = 250, Minutes = 20,
        });

    /// <summary>Every recipe.</summary>
    public static IReadOnlyList<TrainPreset> All { get; } = [Shakespeare];

    /// <summary>The recipes' names.</summary>
    public static IEnumerable<string> Names => All.Select(p => p.Name);

    /// <summary>The recipe of that name; an unknown name is refused with the list of known ones.</summary>
    public static TrainPreset Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown train preset '{name}'; known: {string.Join(", ", Names)}");
}
