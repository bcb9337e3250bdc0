// TrainOptions: the command-line options that describe a training run, shared by `train` and
// `compare`, and their binding onto TrainConfig (an option left out keeps the config's default).
using System.CommandLine;
using Engine.Training.Trainer;

namespace Engine.Training.Cli;

public sealed class TrainOptions
{
    private static readonly TrainConfig Defaults = new();

    public readonly Option<string> Corpus = new("--corpus") { Description = "UTF-8 text file, or 'tinyshakespeare' for the built-in corpus", DefaultValueFactory = _ => Defaults.Corpus };
    public readonly Option<string> Cell = new("--cell") { Description = "rnn-tanh, rnn-relu, rnn-leaky[:SLOPE] (leaky ReLU, slope 0.2 by default), lstm or gru", DefaultValueFactory = _ => Defaults.Cell };
    public readonly Option<int> Layers = new("--layers") { Description = "stacked recurrent layers", DefaultValueFactory = _ => Defaults.Layers };
    public readonly Option<int> Hidden = new("--hidden") { Description = "hidden units per layer", DefaultValueFactory = _ => Defaults.Hidden };
    public readonly Option<int> Embedding = new("--embedding") { Description = "embedding width", DefaultValueFactory = _ => Defaults.Embedding };
    public readonly Option<int> Seq = new("--seq") { Description = "time steps per chunk (truncated BPTT length)", DefaultValueFactory = _ => Defaults.SequenceLength };
    public readonly Option<int> Batch = new("--batch") { Description = "sequences per batch", DefaultValueFactory = _ => Defaults.Batch };
    public readonly Option<int> Steps = new("--steps") { Description = "training steps", DefaultValueFactory = _ => Defaults.Steps };
    public readonly Option<double> Epochs = new("--epochs") { Description = "train for this many passes over the training text instead of --steps (0: use --steps)", DefaultValueFactory = _ => 0 };
    public readonly Option<double> Minutes = new("--minutes") { Description = "stop after this many minutes (0: no limit)", DefaultValueFactory = _ => 0 };
    public readonly Option<string> Optimizer = new("--optimizer") { Description = "sgd, adam, adamw, rmsprop or adagrad", DefaultValueFactory = _ => Defaults.Optimizer };
    public readonly Option<float> Lr = new("--lr") { Description = "learning rate", DefaultValueFactory = _ => Defaults.LearningRate };
    public readonly Option<float?> WeightDecay = new("--weight-decay") { Description = "weight decay, decoupled for adamw (default: PyTorch's, 0.01 for adamw, 0 otherwise)" };
    public readonly Option<float> Momentum = new("--momentum") { Description = "momentum (sgd, rmsprop)", DefaultValueFactory = _ => 0 };
    public readonly Option<bool> Nesterov = new("--nesterov") { Description = "Nesterov momentum (sgd)" };
    public readonly Option<float> Beta1 = new("--beta1") { Description = "Adam beta1", DefaultValueFactory = _ => Defaults.Beta1 };
    public readonly Option<float> Beta2 = new("--beta2") { Description = "Adam beta2", DefaultValueFactory = _ => Defaults.Beta2 };
    public readonly Option<float?> Eps = new("--eps") { Description = "optimizer epsilon (default: PyTorch's, 1e-10 for adagrad, 1e-8 otherwise)" };
    public readonly Option<float> Alpha = new("--alpha") { Description = "RMSprop smoothing constant", DefaultValueFactory = _ => Defaults.Alpha };
    public readonly Option<string> Schedule = new("--schedule") { Description = "constant, step:EVERY:GAMMA, cosine[:MIN], with an optional warmup:N+ prefix", DefaultValueFactory = _ => Defaults.Schedule };
    public readonly Option<string> Clip = new("--clip") { Description = "clip stage: " + Clipping.ClipSpec.Syntax, DefaultValueFactory = _ => Defaults.Clip };
    public readonly Option<string> NonFinite = new("--nonfinite") { Description = "non-finite gradients: error, skip, zero or propagate", DefaultValueFactory = _ => Defaults.NonFinite };
    public readonly Option<int> MaxSkips = new("--max-skips") { Description = "stop after this many consecutive skipped steps", DefaultValueFactory = _ => Defaults.MaxSkips };
    public readonly Option<string> Init = new("--init") { Description = "default, xavier, orthogonal, identity, spectral:R or sparse:K:R (K incoming recurrent weights per unit, radius R; Pascanu et al. 2013)", DefaultValueFactory = _ => Defaults.Init };
    public readonly Option<float?> ForgetBias = new("--forget-bias") { Description = "LSTM forget-gate bias" };
    public readonly Option<ulong> Seed = new("--seed") { Description = "random seed", DefaultValueFactory = _ => Defaults.Seed };
    public readonly Option<string> Device = new("--device") { Description = "cpu, reference, cuda (a CUDA GPU through ILGPU) or ilgpu-cpu (ILGPU's CPU accelerator: slow, for debugging)", DefaultValueFactory = _ => Defaults.Device };
    public readonly Option<int> ValidateEvery = new("--val-every") { Description = "validate every N steps", DefaultValueFactory = _ => Defaults.ValidateEvery };
    public readonly Option<int> ValidationChars = new("--val-chars") { Description = "validation characters used", DefaultValueFactory = _ => Defaults.ValidationChars };
    public readonly Option<int> Patience = new("--patience") { Description = "stop after N validations without a new best validation loss (0: never)", DefaultValueFactory = _ => Defaults.Patience };
    public readonly Option<int> CheckpointEvery = new("--checkpoint-every") { Description = "write a checkpoint every N steps", DefaultValueFactory = _ => Defaults.CheckpointEvery };
    public readonly Option<int> HiddenNormsEvery = new("--hidden-norms-every") { Description = "record ||dL/dh_t|| every N steps (0: never)", DefaultValueFactory = _ => 0 };

    public readonly Option<float> Dropout = new("--dropout") { Description = "dropout probability between the recurrent layers and on the output layer's input (0: none)", DefaultValueFactory = _ => 0 };
    public readonly Option<float> EmbeddingDropout = new("--embedding-dropout") { Description = "dropout probability on the embedding's output (0: none)", DefaultValueFactory = _ => 0 };
    public readonly Option<bool> Residual = new("--residual") { Description = "residual connections: layer l+1 reads h_l + x_l (needs --embedding equal to --hidden)" };
    public readonly Option<bool> LayerNorm = new("--layer-norm") { Description = "layer normalisation of each recurrent layer's output" };

    public IEnumerable<Option> All() =>
    [
        Corpus, Cell, Layers, Hidden, Embedding, Seq, Batch, Steps, Epochs, Minutes, Optimizer, Lr, WeightDecay, Momentum, Nesterov, Beta1, Beta2,
        Eps, Alpha, Schedule, Clip, NonFinite, MaxSkips, Init, ForgetBias, Seed, Device, ValidateEvery, ValidationChars, Patience, CheckpointEvery,
        HiddenNormsEvery, Dropout, EmbeddingDropout, Residual, LayerNorm,
    ];

    public TrainConfig Bind(ParseResult r)
    {
        var config = new TrainConfig
        {
            Corpus = r.GetValue(Corpus)!, Cell = r.GetValue(Cell)!, Layers = r.GetValue(Layers), Hidden = r.GetValue(Hidden),
            Embedding = r.GetValue(Embedding), SequenceLength = r.GetValue(Seq), Batch = r.GetValue(Batch), Steps = r.GetValue(Steps),
            Minutes = r.GetValue(Minutes), Optimizer = r.GetValue(Optimizer)!, LearningRate = r.GetValue(Lr),
            Momentum = r.GetValue(Momentum), Nesterov = r.GetValue(Nesterov), Beta1 = r.GetValue(Beta1), Beta2 = r.GetValue(Beta2),
            Alpha = r.GetValue(Alpha), Schedule = r.GetValue(Schedule)!, Clip = r.GetValue(Clip)!,
            NonFinite = r.GetValue(NonFinite)!, MaxSkips = r.GetValue(MaxSkips), Init = r.GetValue(Init)!, ForgetBias = r.GetValue(ForgetBias),
            Seed = r.GetValue(Seed), Device = r.GetValue(Device)!, ValidateEvery = r.GetValue(ValidateEvery),
            ValidationChars = r.GetValue(ValidationChars), Patience = r.GetValue(Patience), CheckpointEvery = r.GetValue(CheckpointEvery), HiddenNormsEvery = r.GetValue(HiddenNormsEvery),
            Dropout = r.GetValue(Dropout), EmbeddingDropout = r.GetValue(EmbeddingDropout), Residual = r.GetValue(Residual), LayerNorm = r.GetValue(LayerNorm),
        };
        // Left out, weight decay and eps keep the optimizer's own default.
        if (r.GetValue(WeightDecay) is { } weightDecay) config = config with { WeightDecay = weightDecay };
        if (r.GetValue(Eps) is { } eps) config = config with { Eps = eps };
        return config;
    }

    /// <summary>
    /// The options the user actually typed, applied onto a base config (a preset's, for `compare`): an
    /// option left out keeps the base's value, not train's default. --epochs is not a config setting: see StepsForEpochs.
    /// </summary>
    public TrainConfig ApplyGiven(ParseResult r, TrainConfig c)
    {
        T Pick<T>(Option<T> option, T current) => Given(r, option) ? r.GetValue(option)! : current;
        return c with
        {
            Corpus = Pick(Corpus, c.Corpus), Cell = Pick(Cell, c.Cell), Layers = Pick(Layers, c.Layers), Hidden = Pick(Hidden, c.Hidden),
            Embedding = Pick(Embedding, c.Embedding), SequenceLength = Pick(Seq, c.SequenceLength), Batch = Pick(Batch, c.Batch), Steps = Pick(Steps, c.Steps),
            Minutes = Pick(Minutes, c.Minutes), Optimizer = Pick(Optimizer, c.Optimizer), LearningRate = Pick(Lr, c.LearningRate), WeightDecay = Pick(WeightDecay, c.WeightDecay) ?? c.WeightDecay,
            Momentum = Pick(Momentum, c.Momentum), Nesterov = Pick(Nesterov, c.Nesterov), Beta1 = Pick(Beta1, c.Beta1), Beta2 = Pick(Beta2, c.Beta2),
            Eps = Pick(Eps, c.Eps) ?? c.Eps, Alpha = Pick(Alpha, c.Alpha), Schedule = Pick(Schedule, c.Schedule), Clip = Pick(Clip, c.Clip),
            NonFinite = Pick(NonFinite, c.NonFinite), MaxSkips = Pick(MaxSkips, c.MaxSkips), Init = Pick(Init, c.Init), ForgetBias = Pick(ForgetBias, c.ForgetBias),
            Seed = Pick(Seed, c.Seed), Device = Pick(Device, c.Device), ValidateEvery = Pick(ValidateEvery, c.ValidateEvery),
            ValidationChars = Pick(ValidationChars, c.ValidationChars), Patience = Pick(Patience, c.Patience), CheckpointEvery = Pick(CheckpointEvery, c.CheckpointEvery), HiddenNormsEvery = Pick(HiddenNormsEvery, c.HiddenNormsEvery),
            Dropout = Pick(Dropout, c.Dropout), EmbeddingDropout = Pick(EmbeddingDropout, c.EmbeddingDropout), Residual = Pick(Residual, c.Residual), LayerNorm = Pick(LayerNorm, c.LayerNorm),
        };
    }

    /// <summary>The --epochs the user typed, or null.</summary>
    public double? GivenEpochs(ParseResult r) => Given(r, Epochs) ? r.GetValue(Epochs) : null;

    /// <summary>A budget of epochs as steps: one epoch is one pass of every stream over its share of the training text (char-rnn's definition).</summary>
    public static TrainConfig StepsForEpochs(TrainConfig config, double epochs)
    {
        if (!(epochs > 0) || double.IsInfinity(epochs)) throw new ArgumentException($"epochs must be a finite number above 0, got {epochs}");
        var corpus = Data.TextCorpus.Load(config.Corpus);
        int perEpoch = new Data.StreamBatcher(corpus.Train, config.Batch, config.SequenceLength).StepsPerEpoch;
        return config with { Steps = Math.Max(1, (int)Math.Ceiling(epochs * perEpoch)) };
    }

    /// <summary>Whether the user typed the option (for resume, where unspecified options keep the checkpoint's value).</summary>
    public static bool Given(ParseResult r, Option option) => r.GetResult(option) is { Implicit: false };
}
