// CharLmTrainer: one character-LM training run. A step is the TrainingStep (zero grads -> forward ->
// backward -> clip stage -> optimizer) over a [T, B] chunk read from the carried state, which the
// forward then carries on to the next chunk. Everything a resumed run needs is saved in its
// checkpoint (Checkpoints/TrainerCheckpoint), so a resume continues bit for bit.
using System.Diagnostics;
using Engine.Kernels;
using Engine.Models;
using Engine.Models.Init;
using Engine.Training.Clipping;
using Engine.Training.Data;
using Engine.Training.Optimizers;

namespace Engine.Training.Trainer;

/// <summary>What one step did: its loss, the clip stage's telemetry, the learning rate, the time it took, and how many weights the optimizer's guard kept from overflowing.</summary>
/// <param name="Step">The step (1-based; skipped steps count).</param>
/// <param name="Loss">Mean cross-entropy in nats per character of the chunk, before the update.</param>
/// <param name="Clip">What the clip stage saw and did.</param>
/// <param name="LearningRate">The learning rate in force (the schedule's factor applied).</param>
/// <param name="Seconds">Wall-clock time of the step.</param>
/// <param name="Tokens">Characters trained on (T x B).</param>
/// <param name="HiddenNorms">||dL/dh_t|| per layer and time step, when asked for.</param>
/// <param name="GuardedWeights">Weights the optimizer's guard kept from becoming non-finite.</param>
/// <param name="SpectralNorms">On the steps that record HiddenNorms: the recurrent matrices' largest singular values after the update, by PyTorch name.</param>
public sealed record StepReport(int Step, double Loss, ClipTelemetry Clip, double LearningRate, double Seconds, int Tokens, HiddenGradientNorms? HiddenNorms, long GuardedWeights = 0,
    IReadOnlyDictionary<string, double>? SpectralNorms = null);

/// <summary>One character-LM training run: its model, optimizer, clip stage, data stream and carried state, stepped with <see cref="TrainStep"/>.</summary>
public sealed class CharLmTrainer : IDisposable
{
    private readonly TrainingStep trainingStep;
    private readonly int[] inputs, targets;
    private readonly LearningRateSchedule schedule;

    /// <summary>The run's settings.</summary>
    public TrainConfig Config { get; }
    /// <summary>The text trained on, encoded.</summary>
    public TextCorpus Corpus { get; }
    /// <summary>The backend every tensor of the run lives on.</summary>
    public IBackend Backend { get; }
    /// <summary>Every parameter and gradient, in one flat buffer each.</summary>
    public ParameterStore Store { get; }
    /// <summary>The model: embedding, recurrent stack, linear head.</summary>
    public CharLanguageModel Model { get; }
    /// <summary>The optimizer, with its state.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The clip stage between backward and the optimizer.</summary>
    public ClipStage Clip { get; }
    /// <summary>The reader of the training text as B streams in chunks of T.</summary>
    public StreamBatcher Batcher { get; }
    /// <summary>The hidden (and cell) state carried from one chunk to the next.</summary>
    public RecurrentState State { get; }

    /// <summary>Where the dropout masks come from (null when the run has no dropout); its state is in every checkpoint.</summary>
    public DropoutMasks? Masks { get; }

    /// <summary>Steps completed (skipped steps included).</summary>
    public int Step { get; internal set; }

    /// <summary>The loss of the first step, the reference for divergence (loss above 3x it).</summary>
    public double? InitialLoss { get; internal set; }

    /// <summary>The lowest validation loss so far, or null before the first validation.</summary>
    public double? BestValidationLoss { get; internal set; }

    /// <summary>The step of the lowest validation loss, or null before the first validation.</summary>
    public int? BestValidationStep { get; internal set; }

    /// <summary>Validations since the best validation loss last improved (early stopping counts these).</summary>
    public int ValidationsWithoutImprovement { get; internal set; }

    /// <summary>Wall-clock seconds the run has taken since its first step, validations and checkpoints included, summed over resumes.</summary>
    public double Seconds { get; internal set; }

    /// <summary>When set, each step's ops and phases are timed into it (`bench --only charlm`, or a library caller's own profile); training leaves it null.</summary>
    public OpProfile? Profile { get => trainingStep.Profile; set => trainingStep.Profile = value; }

    /// <summary>A trainer with allocated, uninitialised parameters (Create initialises them; a resume restores them).</summary>
    internal CharLmTrainer(TrainConfig config, TextCorpus corpus, IBackend backend)
    {
        config.Validate();
        MemoryEstimate.Check(config, corpus.Vocabulary.Size, MemoryEstimate.Available);
        Config = config;
        Corpus = corpus;
        Backend = backend;
        var modelConfig = config.ModelConfig(corpus.Vocabulary.Size);
        Store = new ParameterStore(backend, CharLanguageModel.Specs(modelConfig));
        Model = new CharLanguageModel(modelConfig, Store);
        trainingStep = TrainingStep.Create(config, Store);
        Optimizer = trainingStep.Optimizer;
        Clip = trainingStep.Clip;
        Batcher = new StreamBatcher(corpus.Train, config.Batch, config.SequenceLength);
        ValidationSplit.Check(config.ValidationChars, corpus.Validation.Length, config.Batch);
        State = RecurrentState.Zeros(backend, modelConfig.Recurrent, config.Batch);
        schedule = config.LearningRateSchedule;
        // A generator of its own, so that turning dropout on changes no other draw of the run.
        Masks = config.Dropout > 0f || config.EmbeddingDropout > 0f ? new DropoutMasks(new Rng(config.Seed ^ DropoutSeedMix)) : null;
        inputs = new int[config.SequenceLength * config.Batch];
        targets = new int[inputs.Length];
    }

    private const ulong DropoutSeedMix = 0xD1B54A32D192ED03UL;

    /// <summary>A fresh run: parameters initialised from the seed.</summary>
    public static CharLmTrainer Create(TrainConfig config, TextCorpus corpus)
    {
        var trainer = new CharLmTrainer(config, corpus, Backends.Create(config.Device));
        Initializer.Apply(trainer.Store, config.InitSpec, config.CellKind.Gates(), config.Seed);
        return trainer;
    }

    /// <summary>One training step.</summary>
    public StepReport TrainStep(bool recordHiddenNorms = false)
    {
        var clock = Stopwatch.StartNew();
        Step++;
        Optimizer.LearningRate = (float)(Config.LearningRate * schedule.Factor(Step, Config.Steps));
        if (Batcher.Next(inputs, targets)) State.Reset(); // the streams wrapped: start again from zero state

        var probe = recordHiddenNorms ? new HiddenGradientNorms(Config.Layers, Config.SequenceLength) : null;
        var result = trainingStep.Run(Step, graph =>
        {
            var output = Model.Forward(graph, inputs, Config.SequenceLength, State, targets, probe, Masks);
            // The stack copied the initial state it read, so the carry may overwrite it before backward.
            State.CarryFrom(output.Recurrent);
            return output.Loss!;
        });
        InitialLoss ??= result.Loss;
        var spectral = recordHiddenNorms ? SpectralNorms.Recurrent(Store) : null;
        return new StepReport(Step, result.Loss, result.Clip.Telemetry, Optimizer.LearningRate, clock.Elapsed.TotalSeconds, inputs.Length, probe,
            result.GuardedWeights, spectral);
    }

    /// <summary>
    /// Mean cross-entropy in nats per character over the first ValidationChars of the validation text
    /// (ValidationLoss.Measure); updates the best loss, the step it was reached at and the count of
    /// validations since it last improved (what --patience reads).
    /// </summary>
    public double Validate()
    {
        double loss = ValidationLoss.Measure(Model, Backend, Corpus.Validation, Config.ValidationChars, Config.Batch, Config.SequenceLength);
        if (BestValidationLoss is null || loss < BestValidationLoss)
        {
            BestValidationLoss = loss;
            BestValidationStep = Step;
            ValidationsWithoutImprovement = 0;
        }
        else ValidationsWithoutImprovement++;
        return loss;
    }

    /// <summary>Whether every parameter is finite (checkpoints are written only then).</summary>
    public bool ParametersFinite()
    {
        var stats = new SegmentStatistics[1];
        Backend.SegmentStatistics(Store.Values, [0], [Store.Count], stats);
        return stats[0].NonFinite == 0;
    }

    /// <summary>Releases the backend (and its device memory).</summary>
    public void Dispose() => Backend.Dispose();
}
