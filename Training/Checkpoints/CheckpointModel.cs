// CheckpointModel: what a checkpoint says about its model (the training config, the vocabulary, the
// parameter shapes), read and checked before anything is allocated, and the model alone for sampling.
// A damaged or inconsistent checkpoint fails here in one line naming the file and the field.
using System.Text.Json;
using Engine.Kernels;
using Engine.Models;
using Engine.Training.Data;
using Engine.Training.Trainer;

namespace Engine.Training.Checkpoints;

public static class CheckpointModel
{
    /// <summary>The settings a checkpoint was trained with, validated like a fresh run's.</summary>
    public static TrainConfig ConfigOf(Checkpoint checkpoint)
    {
        TrainConfig? config;
        try { config = JsonSerializer.Deserialize<TrainConfig>(checkpoint.Meta("config")); }
        catch (JsonException) { config = null; }
        if (config is null) throw checkpoint.Damaged("field 'config' is not a training configuration in JSON");
        if (string.IsNullOrWhiteSpace(config.Corpus)) throw checkpoint.Damaged("field 'config' names no corpus");
        try { config.Validate(); }
        catch (ArgumentException e) { throw checkpoint.Damaged($"field 'config' is not valid: {e.Message}"); }
        return config;
    }

    public static Vocabulary VocabularyOf(Checkpoint checkpoint)
    {
        string text = checkpoint.Meta("vocabulary");
        Vocabulary vocabulary;
        try { vocabulary = Vocabulary.Parse(text); }
        catch (FormatException) { throw checkpoint.Damaged("field 'vocabulary' repeats a character"); }
        return vocabulary.Size >= 2 ? vocabulary : throw checkpoint.Damaged($"field 'vocabulary' holds {vocabulary.Size} characters, fewer than two");
    }

    /// <summary>
    /// The model the config describes, after checking that it fits in memory and that every parameter
    /// tensor is in the file with the shape that model needs; nothing is allocated before this passes.
    /// </summary>
    public static CharLmConfig Check(Checkpoint checkpoint, TrainConfig config, Vocabulary vocabulary)
    {
        // Shapes first, so a damaged config is reported as such rather than as a model too large to build.
        double parameters = MemoryEstimate.Parameters(config, vocabulary.Size);
        if (parameters > MemoryEstimate.MaxParameters)
            throw new SafeTensorsException($"checkpoint '{checkpoint.Path}': its config describes a model of {parameters:G3} parameters ({config.Layers} x {config.Hidden} {config.Cell}), which its tensors cannot hold");
        var model = config.ModelConfig(vocabulary.Size);
        foreach (var spec in CharLanguageModel.Specs(model)) checkpoint.RequireShape(spec.Name, spec.Shape);
        MemoryEstimate.Check(config, vocabulary.Size, MemoryEstimate.Available);
        return model;
    }

    /// <summary>The model of a checkpoint alone (for sampling): its parameters, vocabulary and backend.</summary>
    public static (CharLanguageModel Model, Vocabulary Vocabulary, IBackend Backend) Load(Checkpoint checkpoint, string device)
    {
        var config = ConfigOf(checkpoint);
        var vocabulary = VocabularyOf(checkpoint);
        var modelConfig = Check(checkpoint, config with { Batch = 1, SequenceLength = 1 }, vocabulary);
        var backend = Backends.Create(device);
        try
        {
            var store = new ParameterStore(backend, CharLanguageModel.Specs(modelConfig));
            foreach (var p in store.All) checkpoint.Restore(p.Name, p.Value);
            return (new CharLanguageModel(modelConfig, store), vocabulary, backend);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }
}
