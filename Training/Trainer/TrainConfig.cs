// TrainConfig: every setting of a character-LM training run, with the defaults of `train` (a 2-layer,
// 256-unit LSTM on the built-in corpus, Adam 2e-3, global-norm clipping at 1: the set-up of the
// libtorch char-LM it is compared with). Saved in every checkpoint and at the top of metrics.jsonl.
using Engine.Models;
using Engine.Models.Init;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;

namespace Engine.Training.Trainer;

public sealed record TrainConfig
{
    public string Corpus { get; init; } = "tinyshakespeare";
    public string Cell { get; init; } = "lstm";
    public int Layers { get; init; } = 2;
    public int Hidden { get; init; } = 256;
    public int Embedding { get; init; } = 64;
    public int SequenceLength { get; init; } = 64;
    public int Batch { get; init; } = 32;
    public int Steps { get; init; } = 1000;
    /// <summary>Stop after this many minutes of wall clock (0: no limit), whichever comes first with Steps.</summary>
    public double Minutes { get; init; }
    public string Optimizer { get; init; } = "adam";
    public float LearningRate { get; init; } = 2e-3f;
    /// <summary>Weight decay; when not set, the optimizer's PyTorch default (0.01 for adamw, 0 for the others).</summary>
    public float WeightDecay { get => weightDecay ?? KindDefaults.WeightDecay; init => weightDecay = value; }
    public float Momentum { get; init; }
    public bool Nesterov { get; init; }
    public float Beta1 { get; init; } = OptimizerSpec.DefaultBeta1;
    public float Beta2 { get; init; } = OptimizerSpec.DefaultBeta2;
    /// <summary>The optimizer's epsilon; when not set, its PyTorch default (1e-10 for adagrad, 1e-8 for the others).</summary>
    public float Eps { get => eps ?? KindDefaults.Eps; init => eps = value; }
    public float Alpha { get; init; } = OptimizerSpec.DefaultAlpha;
    public string Schedule { get; init; } = "constant";
    public string Clip { get; init; } = "norm:1";
    public string NonFinite { get; init; } = "skip";
    public int MaxSkips { get; init; } = 25;
    public string Init { get; init; } = "default";
    public float? ForgetBias { get; init; }
    public ulong Seed { get; init; } = 1;
    public string Device { get; init; } = "cpu";
    public int ValidateEvery { get; init; } = 200;
    public int ValidationChars { get; init; } = 100_000;
    public int CheckpointEvery { get; init; } = 500;
    /// <summary>Record ||dL/dh_t|| every this many steps (0: never).</summary>
    public int HiddenNormsEvery { get; init; }
    /// <summary>Dropout probability between the recurrent layers and on the head's input (0: none).</summary>
    public float Dropout { get; init; }
    /// <summary>Dropout probability on the embedding's output (0: none).</summary>
    public float EmbeddingDropout { get; init; }
    /// <summary>Residual connections between the layers: the input of layer l+1 is h_l + x_l.</summary>
    public bool Residual { get; init; }
    /// <summary>Layer normalisation of each recurrent layer's output.</summary>
    public bool LayerNorm { get; init; }

    public CellKind CellKind => CellKinds.Parse(Cell);
    public float LeakySlope => CellKinds.LeakySlope(Cell);
    public StackFeatures StackFeatures => new() { Dropout = Dropout, Residual = Residual, LayerNorm = LayerNorm };

    /// <summary>The model these settings describe, for a corpus of the given vocabulary size.</summary>
    public CharLmConfig ModelConfig(int vocabulary) => new(CellKind, vocabulary, Embedding, Hidden, Layers)
    {
        LeakySlope = LeakySlope, Features = StackFeatures, EmbeddingDropout = EmbeddingDropout,
    };
    public ClipSpec ClipSpec => ClipSpec.Parse(Clip);
    public NonFinitePolicy Policy => NonFinitePolicies.Parse(NonFinite);
    public InitSpec InitSpec => InitSpec.Parse(Init, ForgetBias);
    public LearningRateSchedule LearningRateSchedule => LearningRateSchedule.Parse(Schedule);

    public OptimizerSpec OptimizerSpec => new(OptimizerKinds.Parse(Optimizer), LearningRate, WeightDecay, Momentum, Nesterov, Beta1, Beta2, Eps, Alpha);

    // Weight decay and eps are the settings whose PyTorch defaults differ between optimizers: unset,
    // they follow the kind (so `with { Optimizer = ... }` picks up the new kind's); saved, they are explicit.
    private readonly float? weightDecay, eps;
    private OptimizerSpec KindDefaults => OptimizerSpec.Default(OptimizerKinds.Parse(Optimizer), LearningRate);

    /// <summary>Checks every setting; the first problem is reported in one line.</summary>
    public void Validate()
    {
        Positive("layers", Layers);
        Positive("hidden size", Hidden);
        Positive("embedding size", Embedding);
        Positive("sequence length", SequenceLength);
        Positive("batch size", Batch);
        Positive("steps", Steps);
        if (!(Minutes >= 0) || double.IsInfinity(Minutes)) throw new ArgumentException($"minutes must be a finite number >= 0, got {Minutes}");
        Positive("validation interval", ValidateEvery);
        Positive("validation characters", ValidationChars);
        Positive("checkpoint interval", CheckpointEvery);
        Positive("most consecutive skips", MaxSkips);
        if (HiddenNormsEvery < 0) throw new ArgumentException($"hidden-norm interval must be >= 0, got {HiddenNormsEvery}");
        _ = CellKind;
        _ = LeakySlope;
        ModelConfig(1).Validate();
        _ = ClipSpec;
        _ = Policy;
        _ = InitSpec;
        _ = LearningRateSchedule;
        OptimizerSpec.Validate();
    }

    private static void Positive(string what, int value)
    {
        if (value <= 0) throw new ArgumentException($"{what} must be a positive integer, got {value}");
    }
}
