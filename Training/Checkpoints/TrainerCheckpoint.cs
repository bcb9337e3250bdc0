// TrainerCheckpoint: a CharLmTrainer to and from a checkpoint. Capture writes everything a resume needs
// to continue bit for bit (parameters, optimizer state, carried state, step counters, clip state, batch
// position, early-stopping count); Resume reads it back after checking every field and shape, before anything is trained.
using System.Globalization;
using System.Text.Json;
using Engine.Training.Data;
using Engine.Training.Trainer;

namespace Engine.Training.Checkpoints;

public static class TrainerCheckpoint
{
    public static SafeTensorsFile Capture(CharLmTrainer trainer)
    {
        var tensors = new List<NamedTensor>(Checkpoint.Parameters(trainer.Store));
        foreach (var (name, tensor) in trainer.Optimizer.State)
            tensors.Add(new NamedTensor(Checkpoint.OptimizerPrefix + name, tensor.Shape, tensor.ToArray()));
        tensors.Add(new NamedTensor(Checkpoint.StatePrefix + "h", trainer.State.H.Shape, trainer.State.H.ToArray()));
        if (trainer.State.C is not null) tensors.Add(new NamedTensor(Checkpoint.StatePrefix + "c", trainer.State.C.Shape, trainer.State.C.ToArray()));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Checkpoint.Format,
            ["config"] = JsonSerializer.Serialize(trainer.Config),
            ["vocabulary"] = trainer.Corpus.Vocabulary.ToString(),
            ["step"] = trainer.Step.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = trainer.Config.Optimizer,
            ["optimizer_step"] = trainer.Optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
            ["clip_state"] = trainer.Clip.SaveState(),
            ["batcher_position"] = trainer.Batcher.Position.ToString(CultureInfo.InvariantCulture),
        };
        if (trainer.Masks is not null) metadata["dropout_rng"] = string.Join(",", trainer.Masks.Generator.SaveState());
        if (trainer.InitialLoss is { } l) metadata["initial_loss"] = l.ToString("R", CultureInfo.InvariantCulture);
        if (trainer.BestValidationLoss is { } v) metadata["best_validation_loss"] = v.ToString("R", CultureInfo.InvariantCulture);
        if (trainer.BestValidationStep is { } s) metadata["best_validation_step"] = s.ToString(CultureInfo.InvariantCulture);
        metadata["validations_without_improvement"] = trainer.ValidationsWithoutImprovement.ToString(CultureInfo.InvariantCulture);
        metadata["seconds"] = trainer.Seconds.ToString("R", CultureInfo.InvariantCulture);
        return new SafeTensorsFile { Tensors = tensors, Metadata = metadata };
    }

    /// <summary>
    /// Continues a run. config is the checkpoint's own config with the changes a resume may make applied
    /// (ResumeSettings.Merge); the model, its vocabulary and every counter come from the checkpoint.
    /// </summary>
    public static CharLmTrainer Resume(Checkpoint checkpoint, TrainConfig config)
    {
        var saved = CheckpointModel.ConfigOf(checkpoint);
        var vocabulary = CheckpointModel.VocabularyOf(checkpoint);
        CheckpointModel.Check(checkpoint, config, vocabulary);
        int step = checkpoint.Count("step"), optimizerStep = checkpoint.Count("optimizer_step"), position = checkpoint.Count("batcher_position");
        double? initialLoss = checkpoint.Number("initial_loss"), bestValidation = checkpoint.Number("best_validation_loss");
        double seconds = checkpoint.Number("seconds") ?? 0; // absent in checkpoints written before it was kept
        if (seconds < 0) throw checkpoint.Damaged($"field 'seconds' ({seconds}) is negative");
        // Checkpoints written before early stopping have neither field: no best step, and no validations counted.
        int? bestStep = checkpoint.Metadata.ContainsKey("best_validation_step") ? checkpoint.Count("best_validation_step") : null;
        int withoutImprovement = checkpoint.Metadata.ContainsKey("validations_without_improvement") ? checkpoint.Count("validations_without_improvement") : 0;
        string clipState = checkpoint.Meta("clip_state");
        if (optimizerStep > step) throw checkpoint.Damaged($"field 'optimizer_step' ({optimizerStep}) is above field 'step' ({step})");

        var corpus = TextCorpus.Load(config.Corpus);
        if (corpus.Vocabulary.ToString() != vocabulary.ToString())
            throw new CorpusException(config.Corpus == saved.Corpus
                ? $"corpus '{config.Corpus}' (the checkpoint's) has a different vocabulary ({corpus.Vocabulary.Size} characters) from the checkpoint's ({vocabulary.Size}): the file changed since the run began"
                : $"--corpus '{config.Corpus}' has a different vocabulary ({corpus.Vocabulary.Size} characters) from the checkpoint's ({vocabulary.Size}); a resumed run keeps its vocabulary");

        var trainer = new CharLmTrainer(config, corpus, Kernels.Backends.Create(config.Device));
        try
        {
            foreach (var p in trainer.Store.All) checkpoint.Restore(p.Name, p.Value);
            foreach (var (name, tensor) in trainer.Optimizer.State) checkpoint.Restore(Checkpoint.OptimizerPrefix + name, tensor);
            checkpoint.Restore(Checkpoint.StatePrefix + "h", trainer.State.H);
            if (trainer.State.C is not null) checkpoint.Restore(Checkpoint.StatePrefix + "c", trainer.State.C);
            trainer.Step = step;
            trainer.Optimizer.StepCount = optimizerStep;
            if (position > trainer.Batcher.StreamLength && config.Corpus == saved.Corpus)
                throw checkpoint.Damaged($"field 'batcher_position' ({position}) lies beyond the training streams of {trainer.Batcher.StreamLength} characters");
            // Another text with the same vocabulary may be shorter: a position past its end starts its streams over.
            trainer.Batcher.Position = Math.Min(position, trainer.Batcher.StreamLength);
            // The adaptive clip state belongs to the clip it was gathered by; a changed clip starts afresh.
            if (config.Clip == saved.Clip) LoadClipState(checkpoint, trainer, clipState);
            if (trainer.Masks is not null) trainer.Masks.Generator.LoadState(DropoutState(checkpoint));
            trainer.InitialLoss = initialLoss;
            trainer.BestValidationLoss = bestValidation;
            trainer.BestValidationStep = bestStep;
            trainer.ValidationsWithoutImprovement = withoutImprovement;
            trainer.Seconds = seconds;
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>The dropout generator's four state words; a run with dropout cannot resume bit for bit without them.</summary>
    private static ulong[] DropoutState(Checkpoint checkpoint)
    {
        string text = checkpoint.Meta("dropout_rng");
        var words = text.Split(',');
        var state = new ulong[words.Length];
        for (int i = 0; i < words.Length; i++)
            if (!ulong.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out state[i]))
                throw checkpoint.Damaged($"field 'dropout_rng' is not four unsigned integers ('{Checkpoint.Shorten(text)}')");
        if (state.Length != 4 || state.All(w => w == 0))
            throw checkpoint.Damaged($"field 'dropout_rng' is not four unsigned integers, not all zero ('{Checkpoint.Shorten(text)}')");
        return state;
    }

    private static void LoadClipState(Checkpoint checkpoint, CharLmTrainer trainer, string json)
    {
        // The clip stage reads its own JSON; any way it can fail on a damaged field is a damaged checkpoint.
        try { trainer.Clip.LoadState(json); }
        catch (Exception e) when (e is JsonException or FormatException or IndexOutOfRangeException or ArgumentException or NotSupportedException)
        {
            throw checkpoint.Damaged($"field 'clip_state' is malformed for clip {trainer.Config.Clip} ('{Checkpoint.Shorten(json)}')");
        }
    }
}
