// Experiment presets of `compare`, each reproducing a known gradient pathology on this machine, over
// several seeds: explode (an exploding gradient, unclipped vs clipped), remedies (the same set-up
// against each remedy), vanish (a gradient vanishing back through time, against the cells and inits
// that keep it), depth (vanishing down a deep stack, against residual connections and layer norm),
// pascanu2013 (Pascanu, Mikolov & Bengio 2013's temporal-order experiment over sequence lengths), and
// the smaller lstm-vs-rnn, temporal-order and adding. Every option of `train` may replace a preset's
// base setting.
using Engine.Training.Trainer;

namespace Engine.Training.Experiments;

/// <summary>
/// One run of a comparison: its name, its clip spec, and the settings it changes from the comparison's
/// base (Configure; Overrides says which, in words, for the report).
/// </summary>
/// <remarks>TaskSteps, when set, replaces the preset's sequence length for this run; Series names the run's line
/// in a chart over sequence lengths.</remarks>
public sealed record RunSpec(string Name, string Clip, Func<TrainConfig, TrainConfig>? Configure = null, string Overrides = "", int? TaskSteps = null, string? Series = null)
{
    public TrainConfig ConfigFrom(TrainConfig baseConfig) => (Configure ?? (c => c))(baseConfig) with { Clip = Clip };
}

/// <summary>
/// A comparison: the shared training settings, the runs and how many seeds each runs with. Task is null
/// for character-LM runs on the corpus, else the synthetic task ("adding", "temporal-order",
/// "memorization") with TaskSteps time steps, or, when Lengths is set, every run once per length.
/// AccuracySequences is how many fresh sequences judge a task run at its end; Parallel how many runs
/// train at once by default; Advise whether a clip threshold is suggested and verified by one more run
/// (for presets whose runs differ in their clip stage); RunToBudget whether a task's runs train to the end of
/// their budget and are judged there, whatever their loss did on the way (only a non-finite loss stops one).
/// </summary>
public sealed record ExperimentPreset(string Name, string Description, TrainConfig Base, IReadOnlyList<RunSpec> Runs,
    int Seeds = 1, string? Task = null, int TaskSteps = 0, IReadOnlyList<int>? Lengths = null, int AccuracySequences = 1000,
    int Parallel = 1, bool Advise = true, bool RunToBudget = false)
{
    /// <summary>
    /// The runs to train: as given, or with Lengths, each run once per length (named "NAME T=LENGTH", its
    /// line in the success chart named NAME), length by length.
    /// </summary>
    public IReadOnlyList<RunSpec> Expand(IReadOnlyList<RunSpec> runs) => Lengths is null ? runs
        : Lengths.SelectMany(t => runs.Select(r => r with { Name = $"{r.Name} T={t}", TaskSteps = t, Series = r.Series ?? r.Name })).ToList();

    public static IReadOnlyList<string> Names { get; } = ["explode", "remedies", "vanish", "depth", "pascanu2013", "temporal-order", "adding", "lstm-vs-rnn"];

    /// <summary>
    /// A vanilla tanh RNN on the built-in corpus whose recurrent matrix has spectral radius 1.5, trained
    /// by plain SGD at a constant learning rate of 1.5. Unclipped, the gradient norm surges within the
    /// first steps (over 10x its median before) and the loss leaves 3x its start a step or two later;
    /// clipped at global norm 1, the same runs (same weights, same batches) train, clipping only the few
    /// steps where the norm surges. Measured over 5 seeds in docs/compare.md.
    /// </summary>
    private static readonly TrainConfig Exploding = new()
    {
        Cell = "rnn-tanh", Layers = 1, Hidden = 128, Embedding = 32, SequenceLength = 64, Batch = 32, Steps = 300,
        Optimizer = "sgd", LearningRate = 1.5f, Schedule = "constant", Init = "spectral:1.5", ValidateEvery = 100, ValidationChars = 20_000,
        Seed = 1, HiddenNormsEvery = 10,
    };

    /// <summary>
    /// A stack of 8 tanh RNN layers of 64 units on the built-in corpus, Adam 2e-3, clipped at global norm 1 (so
    /// no run is lost to an explosion): without help the gradient reaching the first layer is a few ten-
    /// thousandths of the top layer's and the stack learns little; residual connections, layer normalisation
    /// or both keep it and the same stack learns.
    /// </summary>
    private static readonly TrainConfig Deep = new()
    {
        Cell = "rnn-tanh", Layers = 8, Hidden = 64, Embedding = 64, SequenceLength = 64, Batch = 32, Steps = 300,
        Optimizer = "adam", LearningRate = 0.002f, Schedule = "constant", Clip = "norm:1", ValidateEvery = 100, ValidationChars = 20_000,
        Seed = 1, HiddenNormsEvery = 10,
    };

    /// <summary>
    /// The adding problem at T = 100 (the marked values at least 50 steps before the end), 64 units, Adam,
    /// clipped at global norm 1, Adam 3e-3. The tanh RNN runs at 1e-3: at 3e-3 its loss surges past 3x
    /// its start after about 3,000 steps. The ReLU RNNs start at the identity (IRNN, Le et al. 2015) and
    /// run at 3e-4: one Adam step moves every recurrent weight by about the learning rate, and at 2e-3
    /// the first step takes the identity's spectral radius past 1 and the second explodes.
    /// </summary>
    private static readonly TrainConfig Adding100 = new()
    {
        Cell = "rnn-tanh", Layers = 1, Hidden = 64, Batch = 20, Steps = 5000, Optimizer = "adam", LearningRate = 0.003f, Clip = "norm:1",
        ValidateEvery = 1000, Seed = 1, HiddenNormsEvery = 250,
    };

    /// <summary>
    /// Pascanu, Mikolov &amp; Bengio (2013), Fig. 7: the temporal order problem with their "smart tanh" set-up
    /// (50 units, recurrent matrix with 15 incoming connections per unit scaled to spectral radius 0.95,
    /// input and output weights N(0, 0.01^2)), SGD lr 0.01 without momentum, minibatch 20; success is under 1%
    /// misclassified on 10,000 fresh sequences. Runs train to the end of their budget, as in the paper: a
    /// confident classifier's loss on one batch can leave 3x its start (ln 4) and fall back.
    /// </summary>
    private static readonly TrainConfig Pascanu = new()
    {
        Cell = "rnn-tanh", Layers = 1, Hidden = 50, Batch = 20, Steps = 30_000, Optimizer = "sgd", LearningRate = 0.01f, Momentum = 0f,
        Init = "sparse:15:0.95", Clip = "none", ValidateEvery = 5000, Seed = 1, HiddenNormsEvery = 0,
    };

    public static ExperimentPreset Get(string name) => name switch
    {
        "remedies" => new("remedies",
            "The explode set-up (tanh RNN, recurrent spectral radius 1.5, constant SGD lr 1.5) against each remedy: clipping, weight decay, an LSTM, a GRU, a 10x smaller learning rate, Adam",
            Exploding,
            [
                new("unclipped", "none"),
                new("clipped", "norm:1"),
                new("weight decay", "none", c => c with { WeightDecay = 0.1f }, "weight-decay=0.1"),
                new("lstm", "none", c => c with { Cell = "lstm" }, "cell=lstm"),
                new("gru", "none", c => c with { Cell = "gru" }, "cell=gru"),
                new("lr 0.15", "none", c => c with { LearningRate = 0.15f }, "lr=0.15"),
                new("adam", "none", c => c with { Optimizer = "adam", LearningRate = 0.002f }, "optimizer=adam,lr=0.002"),
            ], Seeds: 3, Advise: false),
        "vanish" => new("vanish",
            "The adding problem at T = 100 with every run clipped at norm 1: a tanh RNN, whose gradient vanishes back through time, against an LSTM, a GRU, an identity-initialised ReLU RNN (IRNN) and a leaky-ReLU RNN",
            Adding100,
            [
                new("tanh rnn", "norm:1", c => c with { LearningRate = 1e-3f }, "lr=0.001"),
                new("lstm", "norm:1", c => c with { Cell = "lstm" }, "cell=lstm"),
                new("gru", "norm:1", c => c with { Cell = "gru" }, "cell=gru"),
                new("irnn", "norm:1", c => c with { Cell = "rnn-relu", Init = "identity", LearningRate = 3e-4f }, "cell=rnn-relu,init=identity,lr=0.0003"),
                new("leaky rnn", "norm:1", c => c with { Cell = "rnn-leaky", Init = "identity", LearningRate = 3e-4f }, "cell=rnn-leaky,init=identity,lr=0.0003"),
            ], Seeds: 3, Task: "adding", TaskSteps: 100, Parallel: 2, Advise: false),
        "depth" => new("depth",
            "A stack of 8 tanh RNN layers on tiny Shakespeare, Adam 2e-3, clipped at norm 1: plain, with residual connections, with layer normalisation, and with both",
            Deep,
            [
                new("plain", "norm:1"),
                new("residual", "norm:1", c => c with { Residual = true }, "residual"),
                new("layer norm", "norm:1", c => c with { LayerNorm = true }, "layer-norm"),
                new("residual + layer norm", "norm:1", c => c with { Residual = true, LayerNorm = true }, "residual,layer-norm"),
            ], Seeds: 3, Parallel: 2, Advise: false),
        "pascanu2013" => new("pascanu2013",
            "Pascanu, Mikolov & Bengio (2013, Fig. 7): the temporal order problem at T = 50, 100, 150, 200 with their smart tanh RNN of 50 units, SGD lr 0.01, minibatch 20: plain SGD against SGD clipped at norm 1, 5 seeds each",
            Pascanu, [new("sgd", "none"), new("sgd clipped", "norm:1")],
            Seeds: 5, Task: "temporal-order", TaskSteps: 50, Lengths: [50, 100, 150, 200], AccuracySequences: 10_000, Parallel: Environment.ProcessorCount, Advise: false,
            RunToBudget: true),

        "explode" => new("explode",
            "Vanilla tanh RNN (128 units, recurrent spectral radius 1.5) on tiny Shakespeare, constant SGD lr 1.5: unclipped vs clipped at global norm 1",
            Exploding, [new("unclipped", "none"), new("clipped", "norm:1")], Seeds: 3),
        "lstm-vs-rnn" => new("lstm-vs-rnn",
            "The explode set-up with the same budget for a tanh RNN and an LSTM, unclipped, and the RNN clipped at global norm 1",
            Exploding, [new("rnn unclipped", "none"), new("lstm unclipped", "none", c => c with { Cell = "lstm" }, "cell=lstm"), new("rnn clipped", "norm:1")], Seeds: 3),
        "temporal-order" => new("temporal-order",
            "Pascanu et al. (2013) temporal order problem, T = 20: tanh RNN of 50 units, SGD lr 0.05 with momentum 0.9, minibatch 20; unclipped vs clipped at norm 1",
            new TrainConfig { Cell = "rnn-tanh", Layers = 1, Hidden = 50, Batch = 20, Steps = 2000, Optimizer = "sgd", LearningRate = 0.05f, Momentum = 0.9f, Init = "spectral:1.2", ValidateEvery = 500, Seed = 1, HiddenNormsEvery = 20 },
            [new("unclipped", "none"), new("clipped", "norm:1")], Seeds: 3, Task: "temporal-order", TaskSteps: 20),
        "adding" => new("adding",
            "The adding problem (Hochreiter & Schmidhuber 1997), T = 20: tanh RNN of 100 units, SGD lr 0.02 with momentum 0.9; unclipped vs clipped at norm 1",
            new TrainConfig { Cell = "rnn-tanh", Layers = 1, Hidden = 100, Batch = 20, Steps = 12000, Optimizer = "sgd", LearningRate = 0.02f, Momentum = 0.9f, Init = "spectral:1.2", ValidateEvery = 500, Seed = 1, HiddenNormsEvery = 100 },
            [new("unclipped", "none"), new("clipped", "norm:1")], Seeds: 1, Task: "adding", TaskSteps: 20),
        _ => throw new ArgumentException($"unknown preset '{name}'; choose one of: {string.Join(", ", Names)}"),
    };
}
