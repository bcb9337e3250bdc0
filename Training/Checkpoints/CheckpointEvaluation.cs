// CheckpointEvaluation: the loss of a checkpoint's model on a text, in nats per character (bits and
// perplexity follow from it). By default the text is the checkpoint's own validation split, measured
// by the trainer's own procedure (ValidationLoss.Measure with the run's corpus, split, characters,
// batch and sequence length), so it gives exactly the run's validation number; another file is
// measured whole and must use the checkpoint's vocabulary.
using Engine.Training.Data;
using Engine.Training.Trainer;

namespace Engine.Training.Checkpoints;

/// <summary>What `evaluate` reports: the file measured, the text, and the loss in nats per character.</summary>
public sealed record Evaluation(string Checkpoint, string Text, double Nats)
{
    /// <summary>Bits per character: nats / ln 2.</summary>
    public double Bits => Nats / Math.Log(2);
    /// <summary>Perplexity: e^nats.</summary>
    public double Perplexity => Math.Exp(Nats);
}

public static class CheckpointEvaluation
{
    /// <summary>Measures a checkpoint (a file, or a run directory) on its validation split, or on the whole of corpusFile when given.</summary>
    public static Evaluation Run(string path, string? corpusFile, string device, Action<string>? note = null)
    {
        if (path.Trim().Length == 0) throw new ArgumentException("the checkpoint argument is empty; give a checkpoint file or a run directory");
        string file = Resolve(path);
        var loaded = Checkpoint.Load(file);
        if (loaded.Note is { } n) note?.Invoke(n);
        var config = CheckpointModel.ConfigOf(loaded);
        var vocabulary = CheckpointModel.VocabularyOf(loaded);
        var (text, characters, described) = corpusFile is null ? ValidationText(config, vocabulary) : WholeText(corpusFile, vocabulary);
        var (model, _, backend) = CheckpointModel.Load(loaded, device);
        using (backend) return new Evaluation(file, described, ValidationLoss.Measure(model, backend, text, characters, config.Batch, config.SequenceLength));
    }

    /// <summary>A file as given; a run directory's best.safetensors if it has one, else its checkpoint.safetensors.</summary>
    public static string Resolve(string path)
    {
        if (!Directory.Exists(path)) return path;
        string best = Path.Combine(path, "best.safetensors");
        return File.Exists(best) ? best : Checkpoint.Resolve(path);
    }

    /// <summary>The checkpoint's validation split, as much of it as its training validated.</summary>
    private static (int[] Text, int Characters, string Described) ValidationText(TrainConfig config, Vocabulary vocabulary)
    {
        var corpus = TextCorpus.Load(config.Corpus);
        if (corpus.Vocabulary.ToString() != vocabulary.ToString())
            throw new CorpusException($"corpus '{config.Corpus}' (the checkpoint's) has a different vocabulary ({corpus.Vocabulary.Size} characters) from the checkpoint's ({vocabulary.Size}): the file changed since the run began; give --corpus");
        int characters = Math.Min(config.ValidationChars, corpus.Validation.Length);
        return (corpus.Validation, config.ValidationChars, $"validation split of '{config.Corpus}' ({characters} characters, as in training)");
    }

    /// <summary>The whole of a file, in the checkpoint's ids; a character the model never saw is refused.</summary>
    private static (int[] Text, int Characters, string Described) WholeText(string path, Vocabulary vocabulary)
    {
        var corpus = TextCorpus.Load(path);
        var ids = new int[corpus.Vocabulary.Size];
        for (int i = 0; i < ids.Length; i++)
        {
            int codePoint = corpus.Vocabulary.CodePoints[i];
            if (!vocabulary.Contains(codePoint))
                throw new CorpusException($"--corpus '{path}' holds character {Show(codePoint)} (U+{codePoint:X4}), which is not in the checkpoint's vocabulary of {vocabulary.Size} characters");
            ids[i] = vocabulary.Encode(char.ConvertFromUtf32(codePoint))[0];
        }
        int[] text = [.. corpus.Train.Concat(corpus.Validation).Select(id => ids[id])];
        return (text, text.Length, $"the whole of '{path}' ({text.Length} characters)");
    }

    private static string Show(int codePoint) => codePoint switch
    {
        '\n' => "'\\n'",
        '\t' => "'\\t'",
        '\r' => "'\\r'",
        _ => $"'{char.ConvertFromUtf32(codePoint)}'",
    };
}
