// ComparisonRunner: trains every run of a comparison in turn from the same seed (so the same initial
// weights and the same batches in the same order), recording every step's loss and clip telemetry,
// ||dL/dh_t|| every few steps, and where a run diverged. Only the clip stage (or the cell) differs.
using System.Diagnostics;
using Engine.Training.Data;
using Engine.Training.Tasks;
using Engine.Training.Trainer;

namespace Engine.Training.Experiments;

public sealed class ComparisonRunner(ExperimentPreset preset, Action<string>? log = null)
{
    public ComparisonRecord Run(IEnumerable<RunSpec> runs, string? sweepKind = null)
    {
        var record = new ComparisonRecord
        {
            Preset = preset.Name,
            Description = preset.Description,
            Settings = Settings(preset),
            SweepKind = sweepKind,
        };
        var corpus = preset.Task is null ? TextCorpus.Load(preset.Base.Corpus) : null;
        foreach (var spec in runs)
        {
            var config = preset.Base with { Clip = spec.Clip, Cell = spec.Cell ?? preset.Base.Cell };
            log?.Invoke($"run '{spec.Name}' ({config.Cell}, clip {config.ClipSpec})");
            var run = corpus is null ? RunTask(spec, config) : RunCharLm(spec, config, corpus);
            record.Runs.Add(run);
            log?.Invoke(run.DivergedAtStep is { } d
                ? $"  diverged at step {d}: {run.DivergedReason}"
                : $"  final loss {run.FinalTrainLoss:F4}" + (run.FinalValidationLoss is { } v ? $", validation {v:F4}" : "") + (run.Accuracy is { } a ? $", accuracy {a:P1}" : ""));
        }
        if (sweepKind is not null)
            foreach (var run in record.Runs)
                record.Sweep.Add(new SweepPoint(Threshold(run.Clip), run.FinalValidationLoss ?? run.FinalTrainLoss, run.DivergedAtStep is not null));
        record.Advice = ThresholdAdvisor.Advise(record);
        return record;
    }

    private static double Threshold(string clip) => Clipping.ClipSpec.Parse(clip).SweepValue;

    private RunRecord RunCharLm(RunSpec spec, TrainConfig config, TextCorpus corpus)
    {
        var run = new RunRecord { Name = spec.Name, Clip = config.ClipSpec.ToString() };
        var clock = Stopwatch.StartNew();
        using var trainer = CharLmTrainer.Create(config, corpus);
        while (trainer.Step < config.Steps)
        {
            bool probe = (trainer.Step + 1) % preset.HiddenNormsEvery == 0 || trainer.Step == 0;
            var report = trainer.TrainStep(probe);
            double? validation = report.Step % config.ValidateEvery == 0 ? trainer.Validate() : null;
            Add(run, report.Step, report.Loss, validation, report.Clip, report.LearningRate, report.Tokens / report.Seconds, report.HiddenNorms);
            if (Diverged(run, report.Loss, trainer.InitialLoss!.Value, report.Step)) break;
        }
        if (run.DivergedAtStep is null) run.FinalValidationLoss = run.Steps.LastOrDefault(s => s.ValidationLoss is not null)?.ValidationLoss ?? trainer.Validate();
        Finish(run, clock);
        return run;
    }

    private RunRecord RunTask(RunSpec spec, TrainConfig config)
    {
        var run = new RunRecord { Name = spec.Name, Clip = config.ClipSpec.ToString() };
        var clock = Stopwatch.StartNew();
        using var trainer = new TaskTrainer(config, SyntheticTask.Create(preset.Task!, preset.TaskSteps));
        double? initial = null;
        for (int step = 1; step <= config.Steps; step++)
        {
            var stepClock = Stopwatch.StartNew();
            var (loss, clip, norms) = trainer.Step(step, step % preset.HiddenNormsEvery == 0 || step == 1);
            initial ??= loss;
            Add(run, step, loss, null, clip, config.LearningRate, config.Batch * preset.TaskSteps / stepClock.Elapsed.TotalSeconds, norms);
            if (Diverged(run, loss, initial.Value, step)) break;
        }
        run.Accuracy = trainer.Accuracy();
        run.Solved = run.Accuracy >= 0.99; // Pascanu et al.: under 1% error on fresh sequences
        Finish(run, clock);
        return run;
    }

    private static void Add(RunRecord run, int step, double loss, double? validation, Clipping.ClipTelemetry clip, double lr, double tokensPerSecond, Models.HiddenGradientNorms? norms)
    {
        run.Steps.Add(new StepRecord(step, loss, validation, clip.PreClipNorm, clip.PostClipNorm, clip.Scale, clip.Clipped, clip.Skipped, clip.Threshold, lr, tokensPerSecond));
        if (norms is not null) run.HiddenNorms.Add(new HiddenNormSample(step, norms.Values.Select(v => (double[])v.Clone()).ToArray()));
    }

    /// <summary>char-rnn's rule, as `train` applies it: a non-finite loss or one above 3x the first loss.</summary>
    private static bool Diverged(RunRecord run, double loss, double initial, int step)
    {
        if (double.IsFinite(loss) && loss <= TrainingRun.DivergenceFactor * initial) return false;
        run.DivergedAtStep = step;
        run.DivergedReason = double.IsFinite(loss) ? $"loss {loss:F2} > {TrainingRun.DivergenceFactor}x the initial {initial:F2}" : "loss is not finite";
        return true;
    }

    /// <summary>The final training loss is the mean of the last 20 steps' losses (one step is noisy).</summary>
    private static void Finish(RunRecord run, Stopwatch clock)
    {
        run.Seconds = clock.Elapsed.TotalSeconds;
        if (run.DivergedAtStep is null) run.FinalTrainLoss = run.Steps.TakeLast(20).Average(s => s.Loss);
        else run.FinalTrainLoss = run.Steps[^1].Loss;
    }

    private static IReadOnlyDictionary<string, string> Settings(ExperimentPreset p)
    {
        var c = p.Base;
        var s = new Dictionary<string, string>
        {
            ["data"] = p.Task is null ? $"corpus {c.Corpus}" : $"task {p.Task}, T = {p.TaskSteps}",
            ["model"] = $"{c.Cell} {c.Layers} x {c.Hidden}" + (p.Task is null ? $", embedding {c.Embedding}" : ""),
            ["batch"] = p.Task is null ? $"{c.Batch} x {c.SequenceLength}" : c.Batch.ToString(),
            ["steps"] = c.Steps.ToString(),
            ["optimizer"] = c.OptimizerSpec.ToString(),
            ["init"] = c.InitSpec.ToString(),
            ["seed"] = c.Seed.ToString(),
            ["non-finite policy"] = c.NonFinite,
        };
        return s;
    }
}
