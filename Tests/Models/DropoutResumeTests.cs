// Dropout in a training run: masks come from the run's seeded generator, so a run is reproducible
// and a resumed run (its checkpoint holds the generator's state) continues bit for bit; validation
// draws no masks.
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Engine.Training.Data;
using Engine.Training.Trainer;
using Xunit;

namespace Engine.Tests.Models;

public class DropoutResumeTests
{
    private static TrainConfig Config(string corpus) => new()
    {
        Corpus = corpus, Cell = "gru", Layers = 3, Hidden = 8, Embedding = 8, SequenceLength = 6, Batch = 3, Steps = 10,
        Dropout = 0.3f, EmbeddingDropout = 0.1f, Residual = true, LayerNorm = true, ValidationChars = 120, Seed = 5,
    };

    private static (double[] Losses, float[] Weights) Train(CharLmTrainer trainer, int steps)
    {
        var losses = new double[steps];
        for (int i = 0; i < steps; i++) losses[i] = trainer.TrainStep().Loss;
        return (losses, trainer.Store.Values.ToArray());
    }

    [Fact]
    public void A_resumed_run_with_dropout_continues_bit_identically()
    {
        var dir = Directory.CreateTempSubdirectory("dropout").FullName;
        var config = Config(ProgramRunner.Corpus(dir, repeats: 4));
        var corpus = TextCorpus.Load(config.Corpus);
        using var whole = CharLmTrainer.Create(config, corpus);
        var (wholeLosses, wholeWeights) = Train(whole, 10);

        using var first = CharLmTrainer.Create(config, corpus);
        var (firstLosses, _) = Train(first, 4);
        string path = Path.Combine(dir, "checkpoint.safetensors");
        TrainerCheckpoint.Capture(first).Save(path);
        var checkpoint = Checkpoint.Load(path);
        using var resumed = TrainerCheckpoint.Resume(checkpoint, CheckpointModel.ConfigOf(checkpoint));
        var (restLosses, resumedWeights) = Train(resumed, 6);

        Assert.Equal(wholeLosses, firstLosses.Concat(restLosses).ToArray());
        Assert.Equal(wholeWeights, resumedWeights);
    }

    [Fact]
    public void Dropout_changes_training_and_validation_draws_no_masks()
    {
        var dir = Directory.CreateTempSubdirectory("dropout").FullName;
        var config = Config(ProgramRunner.Corpus(dir, repeats: 4));
        var corpus = TextCorpus.Load(config.Corpus);
        using var with = CharLmTrainer.Create(config, corpus);
        using var without = CharLmTrainer.Create(config with { Dropout = 0, EmbeddingDropout = 0 }, corpus);
        Assert.Null(without.Masks);
        // The same initial weights (the norms and masks draw nothing from the initialiser's generator) ...
        Assert.Equal(without.Store.Values.ToArray(), with.Store.Values.ToArray());
        // ... and validation, which runs without masks, sees the same model.
        var state = with.Masks!.Generator.SaveState();
        Assert.Equal(without.Validate(), with.Validate());
        Assert.Equal(state, with.Masks.Generator.SaveState());
        Assert.NotEqual(Train(without, 3).Losses, Train(with, 3).Losses);
    }
}
