// ComparisonRunner: trains every run of a comparison with every seed. Runs with the same seed start
// from the same initial weights (where their shapes agree) and see the same batches in the same order,
// so what differs is only what the run changes (its clip stage, or the options it overrides). Each run
// and seed writes its own metrics.jsonl (the lines `train` writes) under the report directory, is
// judged (Verdicts), and at the end one more run checks the suggested threshold (ThresholdAdvisor).
using System.Diagnostics;
using System.Globalization;
using Engine.Training.Data;
using Engine.Training.Tasks;
using Engine.Training.Telemetry;
using Engine.Training.Trainer;

namespace Engine.Training.Experiments;

public sealed class ComparisonRunner(ExperimentPreset preset, string directory, Action<string>? log = null)
{
    /// <summary>The name of the run that verifies the advice (another is chosen if a user run took it).</summary>
    public const string SuggestedName = "suggested";

    /// <summary>
    /// How many runs train at once (each on its own thread; 1: one after the other). Each run's numbers do
    /// not depend on it: a run computes the same way on any thread, and the records keep the plan's order.
    /// </summary>
    public int Parallel { get; init; } = 1;

    public ComparisonRecord Run(IReadOnlyList<RunSpec> runs, int seeds, string? sweepKind = null, bool advise = true)
    {
        if (seeds <= 0) throw new ArgumentException($"seeds must be a positive integer, got {seeds}");
        if (Parallel <= 0) throw new ArgumentException($"parallel runs must be a positive integer, got {Parallel}");
        runs = CheckPlan(preset, runs);
        var record = new ComparisonRecord
        {
            Preset = preset.Name,
            Description = preset.Description,
            Settings = Settings(preset, seeds),
            SweepKind = sweepKind,
        };
        var corpus = preset.Task is null ? TextCorpus.Load(preset.Base.Corpus) : null;
        var used = new HashSet<string>();
        record.Runs.AddRange(TrainSeeds(runs, seeds, corpus, used));
        if (sweepKind is not null)
            foreach (var group in record.Groups)
                record.Sweep.Add(new SweepPoint(Clipping.ClipSpec.Parse(group.Clip).SweepValue, MedianFinalLoss(group), group.Count(Verdict.Diverged), group.Seeds.Count));
        record.Advice = advise ? ThresholdAdvisor.Advise(record.Runs) : null;
        if (record.Advice is { } advice)
            record.Advice = Verify(advice, runs.Select(r => r.Name).ToHashSet(), (name, threshold) =>
            {
                var verification = TrainSeeds([new RunSpec(name, "norm:" + threshold.ToString("R", CultureInfo.InvariantCulture))], seeds, corpus, used);
                record.Runs.AddRange(verification);
                return verification;
            });
        return record;
    }

    /// <summary>
    /// Checks advice by training at its threshold, and while the worst seed does not train, at half of the
    /// last threshold, up to ThresholdAdvisor.Attempts in all: a smaller threshold caps more steps, which
    /// is what a run that diverged or was thrown off course at the suggestion lacked. Each try is a run
    /// of its own ("suggested", then "suggested T"), named apart from the plan's runs (taken).
    /// </summary>
    public static ThresholdAdvice Verify(ThresholdAdvice advice, IReadOnlySet<string> taken, Func<string, double, IReadOnlyList<RunRecord>> train)
    {
        var attempts = new List<AdviceAttempt>();
        double threshold = advice.Threshold;
        while (true)
        {
            string name = attempts.Count == 0 ? SuggestedName : string.Create(CultureInfo.InvariantCulture, $"{SuggestedName} {threshold:G3}");
            for (int i = 2; taken.Contains(name); i++) name = $"{SuggestedName} {i}" + (attempts.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({threshold:G3})"));
            var verdict = train(name, threshold).Max(r => r.Verdict);
            attempts.Add(new AdviceAttempt(threshold, name, verdict));
            if (verdict == Verdict.Trained || attempts.Count == ThresholdAdvisor.Attempts) return advice with { Attempts = attempts };
            threshold = ThresholdAdvisor.Round(threshold / 2);
        }
    }

    /// <summary>
    /// The runs a plan trains (ExperimentPreset.Expand), each checked before any training: unique names, valid
    /// settings, a sequence length the task accepts. Nonsense is refused in one line.
    /// </summary>
    public static IReadOnlyList<RunSpec> CheckPlan(ExperimentPreset preset, IReadOnlyList<RunSpec> plan)
    {
        var runs = preset.Expand(plan);
        CheckUniqueNames(runs);
        foreach (var spec in runs)
        {
            spec.ConfigFrom(preset.Base).Validate();
            if (preset.Task is not null) SyntheticTask.Create(preset.Task, spec.TaskSteps ?? preset.TaskSteps);
        }
        return runs;
    }

    /// <summary>Run names name the folders of their metrics and the lines of every chart: each must be unique.</summary>
    public static void CheckUniqueNames(IEnumerable<RunSpec> runs)
    {
        var seen = new HashSet<string>();
        foreach (var spec in runs)
            if (!seen.Add(spec.Name)) throw new ArgumentException($"run name '{spec.Name}' is given twice; every run needs its own name");
    }

    /// <summary>The median final loss (validation, or training for a task) of the seeds that did not diverge.</summary>
    public static double? MedianFinalLoss(RunGroup group)
    {
        var losses = group.Seeds.Where(s => s.Verdict != Verdict.Diverged).Select(s => s.FinalValidationLoss ?? s.FinalTrainLoss).OfType<double>().Where(double.IsFinite).ToList();
        return losses.Count == 0 ? null : Statistics.Median(losses);
    }

    /// <summary>Trains every run with every seed (Parallel at a time) and returns the records in plan order: run by run, seed by seed.</summary>
    private List<RunRecord> TrainSeeds(IReadOnlyList<RunSpec> specs, int seeds, TextCorpus? corpus, HashSet<string> usedFolders)
    {
        var jobs = specs.SelectMany(spec =>
        {
            string folder = Folder(spec.Name, usedFolders);
            return Enumerable.Range(0, seeds).Select(k => (Spec: spec, Folder: folder, Offset: (ulong)k));
        }).ToList();
        var result = new RunRecord[jobs.Count];
        var logLock = new object();
        void Log(string line) { lock (logLock) log?.Invoke(line); }
        System.Threading.Tasks.Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallel },
            i => result[i] = TrainOne(jobs[i].Spec, jobs[i].Folder, jobs[i].Offset, corpus, Log));
        return result.ToList();
    }

    private RunRecord TrainOne(RunSpec spec, string folder, ulong seedOffset, TextCorpus? corpus, Action<string> log)
    {
        var config = spec.ConfigFrom(preset.Base);
        config = config with { Seed = config.Seed + seedOffset };
        string metrics = Path.Combine("runs", folder, "seed_" + config.Seed.ToString(CultureInfo.InvariantCulture), "metrics.jsonl");
        var task = corpus is null ? SyntheticTask.Create(preset.Task!, spec.TaskSteps ?? preset.TaskSteps) : null;
        var run = new RunRecord
        {
            Name = spec.Name, Clip = config.ClipSpec.ToString(), Seed = config.Seed, Metrics = metrics, Overrides = spec.Overrides,
            Series = spec.Series ?? spec.Name, TaskSteps = task?.Steps, LossAtLastStep = task is { HeadAtEveryStep: false },
            Loss = RunRecord.LossOf(task), RanToBudget = preset.RunToBudget,
        };
        string what = $"run '{spec.Name}' seed {config.Seed} ({config.Cell}, clip {config.ClipSpec}{(spec.Overrides.Length > 0 ? ", " + spec.Overrides : "")})";
        if (Parallel == 1) log(what);
        var clock = Stopwatch.StartNew();
        using (var writer = new MetricsWriter(Path.Combine(directory, metrics)))
        {
            if (task is not null) TrainTask(run, config, task, writer);
            else TrainCharLm(run, config, corpus!, writer);
            run.Seconds = clock.Elapsed.TotalSeconds;
            Verdicts.Assess(run);
            writer.Write(new { Event = "end", End = run.DivergedAtStep is null ? "finished" : "diverged", run.Steps[^1].Step, DivergedAt = run.DivergedAtStep, Reason = run.DivergedReason, run.Accuracy, run.Solved });
        }
        log(Parallel == 1 ? "  " + Describe(run) : $"{what}: {Describe(run)}");
        return run;
    }

    private static string Describe(RunRecord run) => Verdicts.Name(run.Verdict) + run.Verdict switch
    {
        Verdict.Diverged => string.Create(CultureInfo.InvariantCulture, $" at step {run.DivergedAtStep}: {run.DivergedReason}") + (run.SpikeRatio is { } s ? string.Create(CultureInfo.InvariantCulture, $", after a {s:G3}x gradient surge") : ""),
        Verdict.Trained or Verdict.DidNotLearn => string.Create(CultureInfo.InvariantCulture, $": initial loss {run.InitialLoss:F4}, final loss {run.FinalTrainLoss:F4}")
            + (run.FinalValidationLoss is { } v ? string.Create(CultureInfo.InvariantCulture, $", validation {v:F4}") : "")
            + (run.Accuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $", accuracy {a:P1}") : "")
            + string.Create(CultureInfo.InvariantCulture, $", clipped {run.ClipRate:P1} of steps"),
        _ => throw new ArgumentOutOfRangeException(nameof(run), run.Verdict, "unknown verdict"),
    };

    private static bool Probe(int step, int every) => every > 0 && (step <= 20 || step % every == 0); // every step early on, where explosions come first

    private void TrainCharLm(RunRecord run, TrainConfig config, TextCorpus corpus, MetricsWriter metrics)
    {
        using var trainer = CharLmTrainer.Create(config, corpus);
        var names = trainer.Store.All.Select(p => p.Name).ToList();
        metrics.Write(new { Event = "config", Config = config, Parameters = trainer.Store.Count, Vocabulary = trainer.Corpus.Vocabulary.Size });
        var clock = Stopwatch.StartNew();
        while (trainer.Step < config.Steps && !(config.Minutes > 0 && clock.Elapsed.TotalMinutes >= config.Minutes))
        {
            var report = trainer.TrainStep(Probe(trainer.Step + 1, config.HiddenNormsEvery));
            double? validation = report.Step % config.ValidateEvery == 0 || report.Step == config.Steps ? trainer.Validate() : null;
            double seconds = clock.Elapsed.TotalSeconds; // one reading: the record and metrics.jsonl agree
            Add(run, report, validation, seconds);
            metrics.Write(TrainingRun.MetricsLine(report, validation, report.Tokens / report.Seconds, seconds, names));
            if (Verdicts.Divergence(report.Loss, trainer.InitialLoss!.Value) is not null) return;
        }
        run.FinalValidationLoss = run.Steps[^1].ValidationLoss ?? trainer.Validate(); // a time budget may end between validations
    }

    private void TrainTask(RunRecord run, TrainConfig config, SyntheticTask task, MetricsWriter metrics)
    {
        using var trainer = new TaskTrainer(config, task);
        var names = trainer.ParameterNames;
        metrics.Write(new { Event = "config", Config = config, Parameters = trainer.ParameterCount, Task = task.Name, TaskSteps = task.Steps });
        var clock = Stopwatch.StartNew();
        double? initial = null;
        for (int step = 1; step <= config.Steps && !(config.Minutes > 0 && clock.Elapsed.TotalMinutes >= config.Minutes); step++)
        {
            var stepClock = Stopwatch.StartNew();
            var (loss, clip, norms) = trainer.Step(step, Probe(step, config.HiddenNormsEvery));
            initial ??= loss;
            var report = new StepReport(step, loss, clip, config.LearningRate, stepClock.Elapsed.TotalSeconds, config.Batch * task.Steps, norms);
            double seconds = clock.Elapsed.TotalSeconds;
            Add(run, report, null, seconds);
            metrics.Write(TrainingRun.MetricsLine(report, null, report.Tokens / report.Seconds, seconds, names));
            if (!double.IsFinite(loss) || (!run.RanToBudget && Verdicts.Divergence(loss, initial.Value) is not null)) return;
        }
        run.Accuracy = trainer.Accuracy(preset.AccuracySequences);
        run.Solved = run.Accuracy >= 0.99; // Pascanu et al.: under 1% error on fresh sequences
    }

    private static void Add(RunRecord run, StepReport r, double? validation, double seconds)
    {
        var c = r.Clip;
        run.Steps.Add(new StepRecord(r.Step, r.Loss, validation, c.PreClipNorm, c.PostClipNorm, c.Scale, c.Clipped, c.Skipped, c.Threshold, r.LearningRate, r.Tokens / r.Seconds, seconds));
        if (r.HiddenNorms is { } norms) run.HiddenNorms.Add(new HiddenNormSample(r.Step, norms.Values.Select(v => (double[])v.Clone()).ToArray()));
    }

    /// <summary>A folder name for a run: its name with anything but letters, digits, '.', '-' and '_' replaced, made unique.</summary>
    private static string Folder(string name, HashSet<string> used)
    {
        string slug = new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or '_' ? ch : '_').ToArray());
        string folder = slug;
        for (int i = 2; !used.Add(folder); i++) folder = $"{slug}_{i}";
        return folder;
    }

    private static IReadOnlyDictionary<string, string> Settings(ExperimentPreset p, int seeds)
    {
        var c = p.Base;
        return new Dictionary<string, string>
        {
            ["data"] = p.Task is null ? $"corpus {c.Corpus}" : $"task {p.Task}, T = {(p.Lengths is { } lengths ? string.Join(", ", lengths) : p.TaskSteps)}",
            ["model"] = $"{c.Cell} {c.Layers} x {c.Hidden}" + (p.Task is null ? $", embedding {c.Embedding}" : ""),
            ["batch"] = p.Task is null ? $"{c.Batch} x {c.SequenceLength}" : c.Batch.ToString(CultureInfo.InvariantCulture),
            ["steps"] = c.Steps.ToString(CultureInfo.InvariantCulture) + (c.Minutes > 0 ? $" (at most {c.Minutes.ToString(CultureInfo.InvariantCulture)} min)" : ""),
            ["optimizer"] = c.OptimizerSpec.ToString(),
            ["schedule"] = c.Schedule,
            ["init"] = c.InitSpec.ToString(),
            ["seeds"] = seeds == 1 ? c.Seed.ToString(CultureInfo.InvariantCulture) : $"{c.Seed}..{c.Seed + (ulong)seeds - 1}",
            ["device"] = c.Device,
            ["non-finite policy"] = c.NonFinite,
        };
    }
}
