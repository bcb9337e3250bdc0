// TrainingRun: drives a CharLmTrainer to the end of its budget (steps or minutes): validation and
// checkpoints at their intervals, metrics.jsonl line by line, divergence detection (a non-finite loss
// or a loss above 3x the first one), and a clean stop on request (a signal) with a checkpoint saved.
// The directory is the caller's to claim (Runs/RunDirectory): this class only writes into it.
using System.Diagnostics;
using Engine.Training.Checkpoints;
using Engine.Training.Telemetry;

namespace Engine.Training.Trainer;

public enum RunEnd { Finished, OutOfTime, Diverged, Interrupted }

/// <summary>Where a resumed run came from (a checkpoint file) and which options it changed.</summary>
public sealed record Resumption(string From, IReadOnlyList<string> Changed);

public sealed record RunSummary(RunEnd End, int Steps, double? FinalLoss, double? FinalValidationLoss, double? BestValidationLoss,
    int? DivergedAtStep, string? DivergedReason, double Seconds, double TokensPerSecond, double ClipRate, int SkippedSteps, string? Checkpoint);

/// <summary>What a progress display is told after every step and every validation.</summary>
public interface IRunObserver
{
    void OnStep(StepReport report, double tokensPerSecond, double clipRate);
    void OnValidation(int step, double loss);
}

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

    public string CheckpointPath => Path.Combine(directory, "checkpoint.safetensors");
    public string BestPath => Path.Combine(directory, "best.safetensors");
    public string MetricsPath => Path.Combine(directory, "metrics.jsonl");

    public RunSummary Run(IRunObserver observer, CancellationToken stop)
    {
        var config = trainer.Config;
        using var metrics = new MetricsWriter(MetricsPath);
        var parameterNames = trainer.Store.All.Select(p => p.Name).ToList();
        if (resumed is null) metrics.Write(new { Event = "config", Config = config, Parameters = trainer.Store.Count, Vocabulary = trainer.Corpus.Vocabulary.Size });
        else metrics.Write(new { Event = "resume", trainer.Step, resumed.From, resumed.Changed, Config = config });

        var clock = Stopwatch.StartNew();
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
            metrics.Write(MetricsLine(report, validation, tokensPerSecond, parameterNames));

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
        }
        if (end != RunEnd.Diverged) saved = Save(CheckpointPath) ?? saved;
        metrics.Write(new { Event = "end", End = end.ToString().ToLowerInvariant(), trainer.Step, DivergedAt = divergedAt, Reason = reason });
        return new RunSummary(end, trainer.Step, lastLoss, lastValidation, trainer.BestValidationLoss, divergedAt, reason,
            clock.Elapsed.TotalSeconds, trainSeconds > 0 ? tokens / trainSeconds : 0, counted == 0 ? 0 : (double)clipped / counted, skipped,
            // This run's last checkpoint, else the one it resumed from in this folder, else its best one.
            saved ?? (File.Exists(CheckpointPath) ? CheckpointPath : best));
    }

    /// <summary>Writes a checkpoint atomically, but never one with NaN or infinite weights; returns its path or null.</summary>
    private string? Save(string path)
    {
        if (!trainer.ParametersFinite()) return null;
        TrainerCheckpoint.Capture(trainer).Save(path);
        return path;
    }

    /// <summary>One step's line of metrics.jsonl (also written by `compare` for each of its runs); parameter norms are keyed by parameter name.</summary>
    public static object MetricsLine(StepReport r, double? validation, double tokensPerSecond, IReadOnlyList<string> parameterNames) => new
    {
        r.Step,
        r.Loss,
        ValidationLoss = validation,
        Lr = r.LearningRate,
        TokensPerS = tokensPerSecond,
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
