// `train`: trains a character language model (by default a 2-layer LSTM on the built-in corpus) with
// live progress, metrics.jsonl and atomic safetensors checkpoints; `--resume` continues a run exactly.
using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Engine.Training.Checkpoints;
using Engine.Training.Data;
using Engine.Training.Trainer;

namespace Engine.Training.Cli;

public static class TrainCommand
{
    public static Command Create()
    {
        var options = new TrainOptions();
        var output = new Option<string>("--out") { Description = "output directory (metrics.jsonl, checkpoints)", DefaultValueFactory = _ => "runs/train" };
        var resume = new Option<string?>("--resume") { Description = "continue from a checkpoint file or a run directory" };
        var command = new Command("train", "Train a character language model on a text corpus");
        foreach (var o in options.All()) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.SetAction(r => CommandLineErrors.Run(() => Run(options, r, r.GetValue(output)!, r.GetValue(resume))));
        return command;
    }

    private static int Run(TrainOptions options, ParseResult r, string directory, string? resumeFrom)
    {
        using var trainer = resumeFrom is null ? Start(options.Bind(r), r.GetValue(options.Epochs)) : Resume(options, r, resumeFrom);
        var config = trainer.Config;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{config.Cell} {config.Layers}x{config.Hidden} on '{trainer.Corpus.Name}' ({trainer.Corpus.Train.Length:N0} training characters, vocabulary {trainer.Corpus.Vocabulary.Size}), {trainer.Store.Count:N0} parameters, {config.OptimizerSpec}, clip {config.ClipSpec}, device {trainer.Backend.Name}"));
        if (trainer.Step > 0) Console.WriteLine($"resuming at step {trainer.Step}");

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        var run = new TrainingRun(trainer, directory);
        var summary = BarObserver.Show(config.Steps, trainer.Step, observer => run.Run(observer, stop.Token));
        Console.WriteLine(Describe(summary, run));
        return summary.End switch
        {
            RunEnd.Diverged => 3,
            RunEnd.Interrupted => 130,
            _ => 0,
        };
    }

    private static CharLmTrainer Start(TrainConfig config, double epochs)
    {
        if (!(epochs >= 0) || double.IsInfinity(epochs)) throw new ArgumentException($"epochs must be a finite number >= 0, got {epochs}");
        config.Validate();
        var corpus = TextCorpus.Load(config.Corpus);
        if (epochs > 0)
        {
            // An epoch is one pass of every stream over its share of the text (char-rnn's definition).
            int perEpoch = new StreamBatcher(corpus.Train, config.Batch, config.SequenceLength).StepsPerEpoch;
            config = config with { Steps = Math.Max(1, (int)Math.Ceiling(epochs * perEpoch)) };
        }
        return CharLmTrainer.Create(config, corpus);
    }

    /// <summary>Resumes with the checkpoint's settings; only the budget and intervals may be changed on the command line.</summary>
    private static CharLmTrainer Resume(TrainOptions options, ParseResult r, string from)
    {
        string path = Directory.Exists(from) ? Path.Combine(from, "checkpoint.safetensors") : from;
        return CharLmTrainer.Resume(Checkpoint.Load(path), saved => saved with
        {
            Steps = TrainOptions.Given(r, options.Steps) ? r.GetValue(options.Steps) : saved.Steps,
            Minutes = TrainOptions.Given(r, options.Minutes) ? r.GetValue(options.Minutes) : 0,
            ValidateEvery = TrainOptions.Given(r, options.ValidateEvery) ? r.GetValue(options.ValidateEvery) : saved.ValidateEvery,
            CheckpointEvery = TrainOptions.Given(r, options.CheckpointEvery) ? r.GetValue(options.CheckpointEvery) : saved.CheckpointEvery,
        });
    }

    private static string Describe(RunSummary s, TrainingRun run)
    {
        string ended = s.End switch
        {
            RunEnd.Diverged => $"DIVERGED at step {s.DivergedAtStep}: {s.DivergedReason}",
            RunEnd.Interrupted => $"interrupted at step {s.Steps}",
            RunEnd.OutOfTime => $"time budget reached at step {s.Steps}",
            _ => $"finished {s.Steps} steps",
        };
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"{ended} in {s.Seconds:F1} s; final loss {s.FinalLoss:F4}, validation {s.FinalValidationLoss:F4} (best {s.BestValidationLoss:F4}); {s.TokensPerSecond:F0} tokens/s; clipped {s.ClipRate:P1} of steps, skipped {s.SkippedSteps}");
        string saved = s.Checkpoint is null ? "no checkpoint written" : $"checkpoint: {s.Checkpoint} (resume with --resume {Path.GetDirectoryName(s.Checkpoint)})";
        return $"{figures}\n{saved}\nmetrics: {run.MetricsPath}";
    }
}
