// CharLmStepProfile: a char-LM training step (the one `train` runs, with its model, dropout, clip stage
// and optimizer) timed on its corpus, and its time split by autodiff op and step phase (OpProfile):
// what to make faster for a given recipe.
using System.Diagnostics;
using Engine.Training.Data;
using Engine.Training.Trainer;

namespace Engine.Training.Bench;

/// <summary>One part of a step: an op's forward or backward, or a phase; its calls and milliseconds per step, and its share of a profiled step.</summary>
public sealed record StepPart(string Part, double CallsPerStep, double MsPerStep, double ShareOfStep);

/// <summary>The step's median and mean milliseconds, tokens per second at the median, and the parts of a profiled step, largest first.</summary>
public sealed record StepProfile(double MsMedian, double MsMean, double TokensPerSecond, IReadOnlyList<StepPart> Parts);

public static class CharLmStepProfile
{
    /// <summary>
    /// Times steps of config's run on device (after 3 warm-up steps, at least 5 and until seconds have
    /// passed), then times as many again with the profile attached for the split. The profile waits
    /// for the device at every stamp, so its steps can be a little slower: the split is given as shares
    /// of the profiled steps, and what no stamp covers (the batch, the schedule) is the part "other".
    /// </summary>
    public static StepProfile Measure(TrainConfig config, string device, double seconds)
    {
        var corpus = TextCorpus.Load(config.Corpus);
        using var trainer = CharLmTrainer.Create(config with { Device = device }, corpus);
        for (int w = 0; w < 3; w++) trainer.TrainStep();
        var times = Time(trainer, seconds, 5);

        var profile = new OpProfile();
        trainer.Profile = profile;
        var profiled = Time(trainer, 0, times.Count);
        double steps = profiled.Count, ms = profiled.Sum();
        StepPart Part(string name, double calls, double s) => new(name, calls / steps, s * 1000 / steps, s * 1000 / ms);
        var parts = profile.Ops.SelectMany(o => new[] { Part(o.Op + " forward", o.Calls, o.ForwardSeconds), Part(o.Op + " backward", o.Calls, o.BackwardSeconds) })
            .Concat(profile.Phases.Select(p => Part(p.Key, steps, p.Value))).ToList();
        double other = ms / 1000 - parts.Sum(p => p.MsPerStep) * steps / 1000;
        parts.Add(Part("other (batch, schedule, step bookkeeping)", steps, Math.Max(0, other)));
        double median = Statistics.Median(times);
        return new StepProfile(median, times.Average(), config.Batch * config.SequenceLength / (median / 1000), parts.OrderByDescending(p => p.MsPerStep).ToList());
    }

    /// <summary>Step times in milliseconds: at least minSteps, and more until seconds have passed.</summary>
    private static List<double> Time(CharLmTrainer trainer, double seconds, int minSteps)
    {
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minSteps || total.Elapsed.TotalSeconds < seconds)
        {
            var clock = Stopwatch.StartNew();
            trainer.TrainStep();
            trainer.Backend.Synchronize();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times;
    }
}
