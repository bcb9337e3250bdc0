// TrainConfig: every setting of a character-LM training run, with the defaults of `train` (a 2-layer,
// 256-unit LSTM on the built-in corpus, Adam 2e-3, global-norm clipping at 1: the set-up of the
// libtorch char-LM it is compared with). Saved in every checkpoint and at the top of metrics.jsonl.
using Engine.Models;
using Engine.Models.Init;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;

namespace Engine.Training.Trainer;

/// <summary>Every setting of a character-LM run; the defaults are those of `train`. Kinds are kept as their command-line text (the saved form) and parsed by the typed properties below.</summary>
public sealed record TrainConfig
{
    /// <summary>A UTF-8 text file, or "tinyshakespeare" for the built-in corpus.</summary>
    public string Corpus { get; init; } = "tinyshakespeare";
    /// <summary>The cell: rnn-tanh, rnn-relu, lstm or gru.</summary>
    public string Cell { get; init; } = "lstm";
    /// <summary>Stacked recurrent layers.</summary>
    public int Layers { get; init; } = 2;
    /// <summary>Hidden units per layer.</summary>
    public int Hidden { get; init; } = 256;
    /// <summary>Width of the character embedding.</summary>
    public int Embedding { get; init; } = 64;
    /// <summary>Time steps per chunk: the truncated-BPTT length T.</summary>
    public int SequenceLength { get; init; } = 64;
    /// <summary>Sequences per batch B: the corpus is read as B contiguous streams.</summary>
    public int Batch { get; init; } = 32;
    /// <summary>Training steps of the run.</summary>
    public int Steps { get; init; } = 1000;
    /// <summary>Stop after this many minutes of wall clock (0: no limit), whichever comes first with Steps.</summary>
    public double Minutes { get; init; }
    /// <summary>The optimizer: sgd, adam, adamw, rmsprop or adagrad (see OptimizerKinds).</summary>
    public string Optimizer { get; init; } = "adam";
    /// <summary>The base learning rate, before the schedule's factor.</summary>
    public float LearningRate { get; init; } = 2e-3f;
    /// <summary>Weight decay; when not set, the optimizer's PyTorch default (0.01 for adamw, 0 for the others).</summary>
    public float WeightDecay { get => weightDecay ?? KindDefaults.WeightDecay; init => weightDecay = value; }
    /// <summary>Momentum (sgd, rmsprop).</summary>
    public float Momentum { get; init; }
    /// <summary>Nesterov momentum (sgd with momentum above 0).</summary>
    public bool Nesterov { get; init; }
    /// <summary>Adam's and AdamW's first-moment decay.</summary>
    public float Beta1 { get; init; } = OptimizerSpec.DefaultBeta1;
    /// <summary>Adam's and AdamW's second-moment decay.</summary>
    public float Beta2 { get; init; } = OptimizerSpec.DefaultBeta2;
    /// <summary>The optimizer's epsilon; when not set, its PyTorch default (1e-10 for adagrad, 1e-8 for the others).</summary>
    public float Eps { get => eps ?? KindDefaults.Eps; init => eps = value; }
    /// <summary>RMSprop's smoothing constant.</summary>
    public float Alpha { get; init; } = OptimizerSpec.DefaultAlpha;
    /// <summary>The learning-rate schedule, in LearningRateSchedule's syntax.</summary>
    public string Schedule { get; init; } = "constant";
    /// <summary>The clip stage, in ClipSpec's syntax (e.g. "norm:1", "agc:0.01", "zclip").</summary>
    public string Clip { get; init; } = "norm:1";
    /// <summary>What the clip stage does with NaN or infinite gradients: error, skip, zero or propagate.</summary>
    public string NonFinite { get; init; } = "skip";
    /// <summary>Consecutive skipped steps after which the run stops.</summary>
    public int MaxSkips { get; init; } = 25;
    /// <summary>The initialisation, in InitSpec's syntax.</summary>
    public string Init { get; init; } = "default";
    /// <summary>An LSTM forget-gate bias to start from, or null for the scheme's.</summary>
    public float? ForgetBias { get; init; }
    /// <summary>The seed of the initial weights (and of a synthetic task's batches): the same seed gives bit-identical CPU runs.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>The backend: cpu, reference, cuda or ilgpu-cpu.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Validate every this many steps.</summary>
    public int ValidateEvery { get; init; } = 200;
    /// <summary>Validation characters read per validation.</summary>
    public int ValidationChars { get; init; } = 100_000;
    /// <summary>Stop after this many validations without a new best validation loss (0: never stop early).</summary>
    public int Patience { get; init; }
    /// <summary>Write a checkpoint every this many steps.</summary>
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

    /// <summary>The cell, parsed.</summary>
    public CellKind CellKind => CellKinds.Parse(Cell);
    /// <summary>The rnn-leaky cell's slope (the default for other cells, which ignore it).</summary>
    public float LeakySlope => CellKinds.LeakySlope(Cell);
    /// <summary>What runs between the recurrent layers.</summary>
    public StackFeatures StackFeatures => new() { Dropout = Dropout, Residual = Residual, LayerNorm = LayerNorm };

    /// <summary>The model these settings describe, for a corpus of the given vocabulary size.</summary>
    public CharLmConfig ModelConfig(int vocabulary) => new(CellKind, vocabulary, Embedding, Hidden, Layers)
    {
        LeakySlope = LeakySlope, Features = StackFeatures, EmbeddingDropout = EmbeddingDropout,
    };
    /// <summary>The clip stage's kind and settings, parsed.</summary>
    public ClipSpec ClipSpec => ClipSpec.Parse(Clip);
    /// <summary>The non-finite policy, parsed.</summary>
    public NonFinitePolicy Policy => NonFinitePolicies.Parse(NonFinite);
    /// <summary>The initialisation, parsed.</summary>
    public InitSpec InitSpec => InitSpec.Parse(Init, ForgetBias);
    /// <summary>The schedule, parsed.</summary>
    public LearningRateSchedule LearningRateSchedule => LearningRateSchedule.Parse(Schedule);

    /// <summary>The optimizer's kind and hyper-parameters, with weight decay and eps defaulting to the kind's.</summary>
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
        if (Patience < 0) throw new ArgumentException($"patience must be >= 0 validations, got {Patience}");
        Positive("most consecutive skips", MaxSkips);
        if (HiddenNormsEvery < 0) throw new ArgumentException($"hidden-norm interval must be >= 0, got {HiddenNormsEvery}");
        _ = CellKind;
        _ = LeakySlope;
        ModelConfig(1).Validate();
        _ = ClipSpec;
        _ = Policy;
        InitSpec.CheckFits(Hidden);
        _ = LearningRateSchedule;
        OptimizerSpec.Validate();
    }

    private static void Positive(string what, int value)
    {
        if (value <= 0) throw new ArgumentException($"{what} must be a positive integer, got {value}");
    }
}
