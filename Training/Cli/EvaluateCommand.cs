// `evaluate`: the loss of a checkpoint's model on a text, in nats and bits per character and as
// perplexity. By default the text is the checkpoint's own validation split, measured exactly as the
// trainer validates (same corpus, split, characters, batch and sequence length); --corpus FILE
// measures the whole of another file, which must use the checkpoint's vocabulary.
using System.CommandLine;
using System.Globalization;
using Engine.Training.Checkpoints;
using Engine.Training.Data;
using Engine.Training.Trainer;

namespace Engine.Training.Cli;

public static class EvaluateCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "a checkpoint file, or a run directory (its best.safetensors, else its checkpoint.safetensors)" };
        var corpus = new Option<string?>("--corpus") { Description = "a UTF-8 text file to measure whole (default: the checkpoint's validation split)" };
        var device = new Option<string>("--device") { Description = "cpu, reference, cuda or ilgpu-cpu", DefaultValueFactory = _ => "cpu" };
        var command = new Command("evaluate", "Measure a checkpoint's loss (nats/char, bits/char, perplexity) on its validation split or a text file");
        command.Arguments.Add(checkpoint);
        command.Options.Add(corpus);
        command.Options.Add(device);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            string path = r.GetValue(checkpoint)!;
            if (path.Trim().Length == 0) throw new ArgumentException("the checkpoint argument is empty; give a checkpoint file or a run directory");
            string file = Resolve(path);
            var loaded = Checkpoint.Load(file);
            if (loaded.Note is { } note) Console.Error.WriteLine("note: " + note);
            var config = CheckpointModel.ConfigOf(loaded);
            var vocabulary = CheckpointModel.VocabularyOf(loaded);
            string? other = r.GetValue(corpus);
            var (text, characters, described) = other is null ? ValidationText(config, vocabulary) : WholeText(other, vocabulary);
            var (model, _, backend) = CheckpointModel.Load(loaded, r.GetValue(device)!);
            double nats;
            using (backend) nats = ValidationLoss.Measure(model, backend, text, characters, config.Batch, config.SequenceLength);
            Console.WriteLine($"checkpoint: {file}");
            Console.WriteLine($"text: {described}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loss {nats:F4} nats/char, {nats / Math.Log(2):F4} bits/char, perplexity {Math.Exp(nats):F3}"));
            return 0;
        }));
        return command;
    }

    /// <summary>A file as given; a run directory's best.safetensors if it has one, else its checkpoint.safetensors.</summary>
    private static string Resolve(string path)
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
