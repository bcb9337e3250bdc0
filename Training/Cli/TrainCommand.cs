// `train`: trains a character language model (by default a 2-layer LSTM on the built-in corpus) with
// live progress, metrics.jsonl and atomic safetensors checkpoints; `--resume` continues a run exactly,
// in its own directory. A run directory belongs to one run (see Runs/RunDirectory).
using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Engine.Training.Checkpoints;
using Engine.Training.Data;
using Engine.Training.Runs;
using Engine.Training.Trainer;

namespace Engine.Training.Cli;

public static class TrainCommand
{
    /// <summary>Where a fresh run goes without --out: a new numbered folder under it each time.</summary>
    public const string DefaultParent = "runs/train";

    public static Command Create()
    {
        var options = new TrainOptions();
        var output = new Option<string?>("--out") { Description = $"output directory (metrics.jsonl, checkpoints); default: a fresh {DefaultParent}/version_N, or the resumed run's own directory" };
        var resume = new Option<string?>("--resume") { Description = "continue from a checkpoint file or a run directory (into that directory unless --out is given)" };
        var force = new Option<bool>("--force") { Description = "start afresh in an --out that already holds another run, replacing its files" };
        var preset = new Option<string?>("--preset") { Description = $"start from a recipe ({string.Join(", ", TrainPreset.All.Select(p => $"{p.Name}: {p.Description}"))}); options given beside it replace its settings" };
        var command = new Command("train", "Train a character language model on a text corpus");
        foreach (var o in options.All()) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(force);
        command.Options.Add(preset);
        command.SetAction(r => CommandLineErrors.Run(() => Run(options, r, r.GetValue(preset), r.GetValue(output), r.GetValue(resume), r.GetValue(force))));
        return command;
    }

    private static int Run(TrainOptions options, ParseResult r, string? presetName, string? output, string? resumeFrom, bool force)
    {
        if (output is not null && output.Trim().Length == 0) throw new ArgumentException("--out is empty; give a directory for the run");
        if (presetName is not null && resumeFrom is not null) throw new ArgumentException("--preset starts a fresh run; a resumed run keeps its checkpoint's settings");
        var given = options.All().Where(o => TrainOptions.Given(r, o)).Select(o => o.Name).ToHashSet();
        var typed = presetName is null ? options.Bind(r) : options.ApplyGiven(r, TrainPreset.Get(presetName).Config);
        var requested = Requested(typed, given);
        CharLmTrainer trainer;
        string directory;
        RunClaim claim;
        Resumption? resumed = null;
        if (resumeFrom is null)
        {
            trainer = Start(requested, r.GetValue(options.Epochs));
            directory = output ?? OutputDirectory.FreshNumbered(DefaultParent);
            claim = force ? RunClaim.Replace : RunClaim.Fresh;
        }
        else
        {
            if (resumeFrom.Trim().Length == 0) throw new ArgumentException("--resume is empty; give a checkpoint file or a run directory");
            if (given.Contains(options.Epochs.Name)) throw new ArgumentException("--epochs applies to a fresh run; give the total --steps when resuming");
            string path = Checkpoint.Resolve(resumeFrom);
            var checkpoint = Checkpoint.Load(path);
            if (checkpoint.Note is { } note) Console.Error.WriteLine("note: " + note);
            var (config, changed) = ResumeSettings.Merge(CheckpointModel.ConfigOf(checkpoint), requested, given);
            trainer = TrainerCheckpoint.Resume(checkpoint, config);
            string home = Path.GetDirectoryName(Path.GetFullPath(path))!;
            directory = output ?? home;
            claim = SameDirectory(directory, home) ? RunClaim.Continue : force ? RunClaim.Replace : RunClaim.Fresh;
            resumed = new Resumption(Path.GetFullPath(path), changed);
        }
        using (trainer)
        using (var folder = RunDirectory.Claim(directory, claim))
            return Train(trainer, new TrainingRun(trainer, folder.Path, resumed));
    }

    /// <summary>The options as typed: the corpus path made absolute, and --minutes alone meaning "train for that long".</summary>
    private static TrainConfig Requested(TrainConfig config, HashSet<string> given)
    {
        if (config.Corpus.Contains('\0')) throw new ArgumentException("--corpus contains a NUL character");
        if (config.Corpus != TextCorpus.BuiltInName && config.Corpus.Trim().Length > 0) config = config with { Corpus = Path.GetFullPath(config.Corpus) };
        if (given.Contains("--minutes") && !given.Contains("--steps") && !given.Contains("--epochs"))
        {
            if (!(config.Minutes > 0)) throw new ArgumentException($"--minutes {config.Minutes} without --steps would never stop; give minutes above 0 or a --steps budget");
            config = config with { Steps = int.MaxValue };
            given.Add("--steps");
        }
        return config;
    }

    private static bool SameDirectory(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    private static int Train(CharLmTrainer trainer, TrainingRun run)
    {
        var config = trainer.Config;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{config.Cell} {config.Layers}x{config.Hidden} on '{trainer.Corpus.Name}' ({trainer.Corpus.Train.Length:N0} training characters, vocabulary {trainer.Corpus.Vocabulary.Size}), {trainer.Store.Count:N0} parameters, {config.OptimizerSpec}, clip {config.ClipSpec}, device {trainer.Backend.Name}"));
        if (trainer.Step > 0) Console.WriteLine($"resuming at step {trainer.Step}");

        // SIGINT, SIGTERM and SIGHUP all stop the run cleanly with a checkpoint; the exit code is the
        // shell's convention for the signal (128 + its number).
        using var stop = new CancellationTokenSource();
        int? signalExit = null;
        void Stop(PosixSignalContext c, int code)
        {
            c.Cancel = true;
            signalExit ??= code;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, 130));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, 143));
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Stop(c, 129));

        int total = config.Steps;
        var summary = BarObserver.Show(total, trainer.Step, observer => run.Run(observer, stop.Token));
        Console.WriteLine(Describe(summary, run));
        return summary.End switch
        {
            RunEnd.Diverged => 3,
            RunEnd.Interrupted => signalExit ?? 130,
            RunEnd.Finished or RunEnd.OutOfTime or RunEnd.StoppedEarly => 0,
            _ => throw new UnhandledKindException(summary.End),
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
            double steps = Math.Ceiling(epochs * perEpoch);
            if (steps > int.MaxValue) throw new ArgumentException($"--epochs {epochs} is {steps:G3} steps, more than {int.MaxValue}");
            config = config with { Steps = Math.Max(1, (int)steps) };
        }
        return CharLmTrainer.Create(config, corpus);
    }

    private static string Describe(RunSummary s, TrainingRun run)
    {
        string ended = s.End switch
        {
            RunEnd.Diverged => $"DIVERGED at step {s.DivergedAtStep}: {s.DivergedReason}",
            RunEnd.Interrupted => $"interrupted at step {s.Steps}",
            RunEnd.OutOfTime => $"time budget reached at step {s.Steps}",
            RunEnd.StoppedEarly => string.Create(CultureInfo.InvariantCulture,
                $"stopped early at step {s.Steps}: no improvement in {s.Patience} validations (best {s.BestValidationLoss:F4}{(s.BestValidationStep is { } b ? $" at step {b}" : "")})"),
            RunEnd.Finished => $"finished {s.Steps} steps",
            _ => throw new UnhandledKindException(s.End),
        };
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"{ended} in {s.Seconds:F1} s; final loss {s.FinalLoss:F4}, validation {s.FinalValidationLoss:F4} (best {s.BestValidationLoss:F4}); {s.TokensPerSecond:F0} tokens/s; clipped {s.ClipRate:P1} of steps, skipped {s.SkippedSteps}");
        string saved = s.Checkpoint is null ? "no checkpoint written" : $"checkpoint: {s.Checkpoint} (resume with --resume {s.Checkpoint})";
        return $"{figures}\n{saved}\nmetrics: {run.MetricsPath}";
    }
}
