// TrainingRun: drives a CharLmTrainer to the end of its budget (steps or minutes): validation and
// checkpoints at their intervals, metrics.jsonl line by line, divergence detection (a non-finite loss
// or a loss above 3x the first one), early stopping after --patience validations without a new best,
// and a clean stop on request (a signal) with a checkpoint saved.
// The directory is the caller's to claim (Runs/RunDirectory): this class only writes into it.
using System.Diagnostics;
using Engine.Training.Checkpoints;
using Engine.Training.Telemetry;

namespace Engine.Training.Trainer;

/// <summary>How a run ended.</summary>
public enum RunEnd
{
    /// <summary>Every step was run.</summary>
    Finished,
    /// <summary>The minutes ran out first.</summary>
    OutOfTime,
    /// <summary>The loss became non-finite or rose above DivergenceFactor times the first.</summary>
    Diverged,
    /// <summary>Stopped on request (Ctrl-C or SIGTERM).</summary>
    Interrupted,
    /// <summary>Patience validations in a row brought no new best validation loss.</summary>
    StoppedEarly,
}

/// <summary>Where a resumed run came from (a checkpoint file) and which options it changed.</summary>
public sealed record Resumption(string From, IReadOnlyList<string> Changed);

/// <summary>The outcome of a run, as `train` prints it.</summary>
/// <param name="End">How it ended.</param>
/// <param name="Steps">Steps completed.</param>
/// <param name="FinalLoss">The last step's training loss.</param>
/// <param name="FinalValidationLoss">The last validation loss.</param>
/// <param name="BestValidationLoss">The lowest validation loss.</param>
/// <param name="DivergedAtStep">The step at which it diverged, if it did.</param>
/// <param name="DivergedReason">Why it counted as diverged.</param>
/// <param name="Seconds">Wall-clock time.</param>
/// <param name="TokensPerSecond">Training characters per second.</param>
/// <param name="ClipRate">Fraction of steps the clip stage changed the gradients.</param>
/// <param name="SkippedSteps">Steps whose update was skipped for non-finite gradients.</param>
/// <param name="Checkpoint">The checkpoint written last, if any.</param>
/// <param name="BestValidationStep">The step of the lowest validation loss.</param>
/// <param name="Patience">The validations without improvement that stop the run early (0: never).</param>
public sealed record RunSummary(RunEnd End, int Steps, double? FinalLoss, double? FinalValidationLoss, double? BestValidationLoss,
    int? DivergedAtStep, string? DivergedReason, double Seconds, double TokensPerSecond, double ClipRate, int SkippedSteps, string? Checkpoint,
    int? BestValidationStep = null, int Patience = 0);

/// <summary>What a progress display is told after every step and every validation.</summary>
public interface IRunObserver
{
    /// <summary>After every step, with the throughput and clip rate so far.</summary>
    void OnStep(StepReport report, double tokensPerSecond, double clipRate);
    /// <summary>After every validation, with its loss.</summary>
    void OnValidation(int step, double loss);
}

/// <summary>Runs a trainer to the end of its budget, writing metrics.jsonl and checkpoints into a directory.</summary>
public sealed class TrainingRun
{
    /// <summary>char-rnn's rule: a loss above this many times the first loss means the run diverged.</summary>
    public const double DivergenceFactor = 3.0;

    private readonly CharLmTrainer trainer;
    private readonly string directory;
    private readonly Resumption? resumed;

    /// <summary>A run writing into directory; resumed says where a resumed run came from and what it changed.</summary>
    public TrainingRun(CharLmTrainer trainer, string directory, Resumption? resumed = null)
    {
        this.trainer = trainer;
        this.directory = directory;
        this.resumed = resumed;
    }

    /// <summary>The latest checkpoint, rewritten atomically at every checkpoint interval and at the end.</summary>
    public string CheckpointPath => Path.Combine(directory, "checkpoint.safetensors");
    /// <summary>The checkpoint with the lowest validation loss so far.</summary>
    public string BestPath => Path.Combine(directory, "best.safetensors");
    /// <summary>One JSON line per step and per validation, after a first line with the settings.</summary>
    public string MetricsPath => Path.Combine(directory, "metrics.jsonl");

    /// <summary>Trains until the steps or minutes are spent, the run diverges, or stop is signalled; always leaves a checkpoint of finite weights.</summary>
    public RunSummary Run(IRunObserver observer, CancellationToken stop)
    {
        var config = trainer.Config;
        using var metrics = new MetricsWriter(MetricsPath);
        var parameterNames = trainer.Store.All.Select(p => p.Name).ToList();
        if (resumed is null) metrics.Write(new { Event = "config", Config = config, Parameters = trainer.Store.Count, Vocabulary = trainer.Corpus.Vocabulary.Size });
        else metrics.Write(new { Event = "resume", trainer.Step, resumed.From, resumed.Changed, Config = config });

        var clock = Stopwatch.StartNew();
        double secondsBefore = trainer.Seconds; // a resumed run's clock continues from its checkpoint
        double trainSeconds = 0;
        long tokens = 0;
        int clipped = 0, skipped = 0, counted = 0;
        double? lastLoss = null, lastValidation = null;
        string? saved = null, best = null;
        var end = RunEnd.Finished;
        int? divergedAt = null;
        string? reason = null;

        while (trainer.Step < config.Steps)
        {
            if (stop.IsCancellationRequested) { end = RunEnd.Interrupted; break; }
            if (config.Minutes > 0 && clock.Elapsed.TotalMinutes >= config.Minutes) { end = RunEnd.OutOfTime; break; }

            bool probe = config.HiddenNormsEvery > 0 && (trainer.Step + 1) % config.HiddenNormsEvery == 0;
            var report = trainer.TrainStep(probe);
            trainSeconds += report.Seconds;
            tokens += report.Tokens;
            counted++;
            if (report.Clip.Clipped) clipped++;
            if (report.Clip.Skipped) skipped++;
            lastLoss = report.Loss;
            double tokensPerSecond = report.Tokens / report.Seconds;
            observer.OnStep(report, tokens / trainSeconds, (double)clipped / counted);

            double? validation = null;
            if (report.Step % config.ValidateEvery == 0 || report.Step == config.Steps)
            {
                validation = lastValidation = trainer.Validate();
                observer.OnValidation(report.Step, validation.Value);
            }
            trainer.Seconds = secondsBefore + clock.Elapsed.TotalSeconds;
            metrics.Write(MetricsLine(report, validation, tokensPerSecond, trainer.Seconds, parameterNames));

            if (!double.IsFinite(report.Loss) || report.Loss > DivergenceFactor * trainer.InitialLoss!.Value)
            {
                end = RunEnd.Diverged;
                divergedAt = report.Step;
                reason = double.IsFinite(report.Loss)
                    ? $"loss {report.Loss:F3} above {DivergenceFactor}x the initial {trainer.InitialLoss:F3}"
                    : "the loss is not finite";
                break;
            }
            if (validation is { } v && v <= trainer.BestValidationLoss) best = Save(BestPath) ?? best;
            if (report.Step % config.CheckpointEvery == 0) saved = Save(CheckpointPath) ?? saved;
            if (validation is not null && config.Patience > 0 && trainer.ValidationsWithoutImprovement >= config.Patience && trainer.Step < config.Steps)
            {
                end = RunEnd.StoppedEarly;
                break;
            }
        }
        if (end != RunEnd.Diverged) saved = Save(CheckpointPath) ?? saved;
        metrics.Write(new { Event = "end", End = end.ToString().ToLowerInvariant(), trainer.Step, DivergedAt = divergedAt, Reason = reason });
        return new RunSummary(end, trainer.Step, lastLoss, lastValidation, trainer.BestValidationLoss, divergedAt, reason,
            clock.Elapsed.TotalSeconds, trainSeconds > 0 ? tokens / trainSeconds : 0, counted == 0 ? 0 : (double)clipped / counted, skipped,
            // This run's last checkpoint, else the one it resumed from in this folder, else its best one.
            saved ?? (File.Exists(CheckpointPath) ? CheckpointPath : best), trainer.BestValidationStep, config.Patience);
    }

    /// <summary>Writes a checkpoint atomically, but never one with NaN or infinite weights; returns its path or null.</summary>
    private string? Save(string path)
    {
        if (!trainer.ParametersFinite()) return null;
        TrainerCheckpoint.Capture(trainer).Save(path);
        return path;
    }

    /// <summary>One step's line of metrics.jsonl (also written by `compare` for each of its runs); parameter norms are keyed by parameter name.</summary>
    /// <param name="r">The step.</param>
    /// <param name="validation">The validation loss measured after it, if any.</param>
    /// <param name="tokensPerSecond">The step's throughput.</param>
    /// <param name="seconds">Wall-clock seconds since the run's first step, when the line is written (after the step's validation).</param>
    /// <param name="parameterNames">The parameters' names, in the order of the clip stage's per-parameter norms.</param>
    public static object MetricsLine(StepReport r, double? validation, double tokensPerSecond, double seconds, IReadOnlyList<string> parameterNames) => new
    {
        r.Step,
        r.Loss,
        ValidationLoss = validation,
        Lr = r.LearningRate,
        TokensPerS = tokensPerSecond,
        Seconds = seconds,
        r.Clip.PreClipNorm,
        r.Clip.DecisionNorm,
        r.Clip.PostClipNorm,
        r.Clip.Scale,
        r.Clip.Clipped,
        r.Clip.Skipped,
        r.Clip.Threshold,
        r.Clip.NonFiniteCount,
        r.Clip.FirstNonFiniteParameter,
        ParameterNorms = parameterNames.Zip(r.Clip.ParameterNorms).ToDictionary(p => p.First, p => p.Second),
        HiddenGradNorms = r.HiddenNorms?.Values,
        r.SpectralNorms,
        r.GuardedWeights,
    };
}
