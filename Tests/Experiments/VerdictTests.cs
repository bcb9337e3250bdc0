// The rules that judge a run (diverged / did-not-learn / trained), the spike list, the spike ratio and
// the threshold advice, on hand-built step records with exact expected values.
using Engine.Training.Experiments;
using Engine.Training.Reports;
using Xunit;

namespace Engine.Tests.Experiments;

public class VerdictTests
{
    private static RunRecord Run(double[] losses, double[] norms, string clip = "none", string name = "r")
    {
        var run = new RunRecord { Name = name, Clip = clip };
        for (int i = 0; i < losses.Length; i++) run.Steps.Add(new StepRecord(i + 1, losses[i], null, norms[i], norms[i], 1, false, false, null, 0.1, 1));
        return run;
    }

    [Fact]
    public void A_loss_above_three_times_the_first_diverges_at_that_step()
    {
        var run = Run([4, 3, 12, 13, 2], [1, 1, 1, 1, 1]);
        Verdicts.Assess(run);
        // 12 is exactly 3 x 4 (not above); 13 is the first loss above it.
        Assert.Equal(Verdict.Diverged, run.Verdict);
        Assert.Equal(4, run.DivergedAtStep);
        Assert.Equal("loss 13.00 above 3x the initial 4.00", run.DivergedReason);
        Assert.Equal(4.0, run.InitialLoss);
        Assert.Equal(13.0, run.FinalTrainLoss);
        Assert.Null(run.FinalValidationLoss);
    }

    [Fact]
    public void A_non_finite_loss_diverges()
    {
        var run = Run([4, double.NaN, 3], [1, 1, 1]);
        Verdicts.Assess(run);
        Assert.Equal((Verdict.Diverged, 2, "loss is not finite"), (run.Verdict, run.DivergedAtStep, run.DivergedReason));
    }

    [Fact]
    public void A_run_trained_to_its_budget_is_judged_at_its_end_unless_its_loss_is_not_finite()
    {
        var spiked = new RunRecord { Name = "r", Clip = "none", RanToBudget = true, Solved = true };
        spiked.Steps.AddRange(Run([1.4, 4.3, 0.1], [1, 1, 1]).Steps);
        Verdicts.Assess(spiked);
        Assert.Equal((Verdict.Trained, (int?)null), (spiked.Verdict, spiked.DivergedAtStep));
        var broken = new RunRecord { Name = "r", Clip = "none", RanToBudget = true, Solved = false };
        broken.Steps.AddRange(Run([1.4, 4.3, double.PositiveInfinity], [1, 1, 1]).Steps);
        Verdicts.Assess(broken);
        Assert.Equal((Verdict.Diverged, 3, "loss is not finite"), (broken.Verdict, broken.DivergedAtStep, broken.DivergedReason));
    }

    [Theory]
    [InlineData(3.9, Verdict.Trained)]
    [InlineData(4.0, Verdict.DidNotLearn)] // not below the initial loss
    [InlineData(4.93, Verdict.DidNotLearn)]
    public void A_run_that_did_not_diverge_trained_only_if_its_final_validation_loss_is_below_the_initial_loss(double validation, Verdict expected)
    {
        var run = Run([4, 3.5, 3.2], [1, 1, 1]);
        run.FinalValidationLoss = validation;
        Verdicts.Assess(run);
        Assert.Equal(expected, run.Verdict);
        Assert.Null(run.DivergedAtStep);
        Assert.Equal((4 + 3.5 + 3.2) / 3, run.FinalTrainLoss!.Value, 12); // the mean of the last 20 steps (here all 3)
        Assert.Null(run.SpikeRatio);
    }

    [Theory]
    [InlineData(true, Verdict.Trained)]
    [InlineData(false, Verdict.DidNotLearn)]
    public void A_synthetic_task_is_judged_by_its_accuracy_criterion(bool solved, Verdict expected)
    {
        var run = Run([1.4, 0.1], [1, 1]);
        run.Solved = solved;
        Verdicts.Assess(run);
        Assert.Equal(expected, run.Verdict);
    }

    [Fact]
    public void Spikes_are_norms_over_ten_times_the_median_of_the_steps_before()
    {
        var run = Run([1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 12, 1, 100, double.PositiveInfinity]);
        Verdicts.Assess(run);
        // Step 5: 12 over the median 1 of steps 1-4. Step 6: 1 over median 1 (steps 1-5 include the 12). Step 7:
        // 100 over median 1. Step 8: a non-finite norm is an infinite ratio. 10x exactly is not a spike (see below).
        Assert.Equal([new Spike(5, 12), new Spike(7, 100), new Spike(8, double.PositiveInfinity)], run.Spikes);
        Assert.Empty(Surges.Spikes(Run([1, 1, 1], [2, 2, 20]).Steps));
    }

    [Fact]
    public void Spike_history_is_at_most_the_fifty_steps_before()
    {
        // 60 steps at 0.1, then 50 at 1, then 11: the 50 steps before step 111 are all 1, so its ratio is 11;
        // over all 110 steps before it the median would be 0.1 and the ratio 110. Step 61 (1 over 0.1) is
        // exactly 10x, not over it.
        double[] norms = [.. Enumerable.Repeat(0.1, 60), .. Enumerable.Repeat(1.0, 50), 11];
        var run = Run(Enumerable.Repeat(1.0, norms.Length).ToArray(), norms);
        Assert.Equal([new Spike(111, 11)], Surges.Spikes(run.Steps));
    }

    [Fact]
    public void The_spike_ratio_is_the_largest_norm_of_the_five_steps_to_divergence_over_the_median_before()
    {
        // Diverged at step 8: steps 4-8 peak at 50; steps 1-3 have median 1 (norms 1, 1, 2).
        var late = Run([4, 4, 4, 4, 4, 4, 4, 20], [1, 1, 2, 1, 1, 1, 50, 7]);
        Verdicts.Assess(late);
        Assert.Equal(8, late.DivergedAtStep);
        Assert.Equal(50.0, late.SpikeRatio);
        // Diverged at step 3: the window keeps the first step as history (2), so 40 / 2 = 20.
        var early = Run([4, 5, 13], [2, 6, 40]);
        Verdicts.Assess(early);
        Assert.Equal(20.0, early.SpikeRatio);
        // A slow drift: the norm never surges, the ratio stays small (1.5 / 1).
        var drift = Run([4, 6, 8, 10, 11, 12, 12.5], [1, 1, 1, 1.2, 1.3, 1.4, 1.5]);
        Verdicts.Assess(drift);
        Assert.Equal(7, drift.DivergedAtStep);
        Assert.Equal(1.5, drift.SpikeRatio);
        // Diverged at the first step (non-finite): there is no history.
        var first = Run([double.NaN], [1]);
        Verdicts.Assess(first);
        Assert.Null(first.SpikeRatio);
    }

    [Fact]
    public void Advice_is_twice_the_median_norm_outside_surges_over_every_run_when_the_unclipped_ones_have_too_few()
    {
        // Run a diverges at step 10 after a surge: steps 6-10 (the window) are left out, so its quiet norms are
        // five of 0.5, under the 20 that would let the unclipped runs speak alone. Run b has no surge (2.1 is 7x the median 0.3 before it): 0.3, 0.3, 0.3, 0.9, 2.1.
        // The ten quiet norms have median 0.5, so the threshold is 1.0, and one of the ten (2.1) lies above it.
        var a = Run([4, 4, 4, 4, 4, 4, 4, 4, 4, 13], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 5, 40]);
        var b = Run([4, 3, 3, 3, 3], [0.3, 0.3, 0.3, 0.9, 2.1], "norm:1", "b");
        Verdicts.Assess(a);
        Verdicts.Assess(b);
        Assert.Equal([new Spike(10, 80)], a.Spikes);
        var advice = ThresholdAdvisor.Advise([a, b])!;
        Assert.Equal(1.0, advice.Threshold);
        Assert.Equal(0.5, advice.QuietMedian);
        Assert.Equal(10, advice.QuietSteps);
        Assert.Equal(0.1, advice.QuietShareAbove);
        Assert.Null(advice.VerifiedVerdict);
    }

    [Fact]
    public void Advice_is_half_the_unclipped_median_when_an_unclipped_run_diverged_without_a_surge()
    {
        // The unclipped run's norm stays at 2 while its loss climbs past 3x at step 30: spike ratio 1, so the
        // step was too large. Its 25 quiet steps (1-25; 26-30 are the window) have median 2, so the suggestion is
        // 1.0, and all 25 lie above it. The clipped run's small norms are not used: the unclipped run has 20.
        double[] losses = [.. Enumerable.Range(0, 29).Select(i => 4 + 0.2 * i), 12.5];
        var unclipped = Run(losses, Enumerable.Repeat(2.0, 30).ToArray());
        var clipped = Run([4, 3, 2], [0.001, 0.001, 0.001], "norm:1", "c");
        Verdicts.Assess(unclipped);
        Verdicts.Assess(clipped);
        Assert.Equal((30, 1.0), (unclipped.DivergedAtStep, unclipped.SpikeRatio));
        var advice = ThresholdAdvisor.Advise([unclipped, clipped])!;
        Assert.Equal((1.0, 2.0, 25, 1.0), (advice.Threshold, advice.QuietMedian, advice.QuietSteps, advice.QuietShareAbove));
        Assert.Contains("diverged without a gradient surge", advice.Reason);
    }

    [Theory]
    [InlineData(4.74, 10.0, new[] { 4.74 }, "trained")]                   // the suggestion trains: one run
    [InlineData(4.74, 1.5, new[] { 4.74, 2.37, 1.19 }, "trained")]        // trains from 1.5 down: the third try, halved and rounded to 3 digits
    [InlineData(4.74, 0.1, new[] { 4.74, 2.37, 1.19 }, "did-not-learn")]  // never below 0.1 within three tries: the last verdict stands
    public void Advice_is_checked_by_training_and_halved_while_its_worst_seed_does_not_train(double suggested, double trainsAtOrBelow, double[] tried, string verdict)
    {
        var advice = new ThresholdAdvice(suggested, "rule", 1, 20, 0.1, "reason");
        var trainedAt = new List<(string Name, double Threshold)>();
        var result = ComparisonRunner.Verify(advice, new HashSet<string> { "suggested 2.37" }, (name, threshold) =>
        {
            trainedAt.Add((name, threshold));
            // Two seeds: the worst decides.
            var seeds = new[] { Verdict.Trained, threshold <= trainsAtOrBelow ? Verdict.Trained : Verdict.DidNotLearn };
            return seeds.Select(v => new RunRecord { Name = name, Clip = $"norm:{threshold}", Verdict = v }).ToList();
        });
        Assert.Equal(tried, trainedAt.Select(t => t.Threshold));
        Assert.Equal(tried, result.Attempts.Select(a => a.Threshold));
        Assert.Equal(verdict, Verdicts.Name(result.VerifiedVerdict!.Value));
        Assert.Equal(suggested, result.Threshold); // the rule's suggestion is kept beside what was checked
        // The first try is "suggested"; a later one is named by its threshold, apart from the plan's runs.
        Assert.Equal("suggested", trainedAt[0].Name);
        if (tried.Length > 1) Assert.Equal("suggested 2 (2.37)", trainedAt[1].Name);
        Assert.Equal(trainedAt.Select(t => t.Name), result.Attempts.Select(a => a.Run));
        string told = Story.Checked(result);
        Assert.StartsWith("the run 'suggested' trained at it ended", told);
        if (tried.Length > 1 && verdict == "trained") Assert.EndsWith(": use 1.19", told);
    }

    [Fact]
    public void Advice_is_the_99th_percentile_of_the_unclipped_norms_when_none_diverged()
    {
        // 101 norms 0.1, 0.2, ..., 10.1 without a spike (each is under 10x the median before it); the 99th
        // percentile of 101 sorted values is the 100th: 10.0 (to 3 digits), and one norm (10.1) lies above it.
        var run = Run(Enumerable.Repeat(4.0, 101).ToArray(), Enumerable.Range(1, 101).Select(i => i / 10.0).ToArray());
        Verdicts.Assess(run);
        Assert.Empty(run.Spikes);
        var advice = ThresholdAdvisor.Advise([run])!;
        Assert.Equal((10.0, 101, 1 / 101.0), (advice.Threshold, advice.QuietSteps, advice.QuietShareAbove));
        Assert.Contains("no unclipped run diverged", advice.Reason);
    }

    [Fact]
    public void Advice_is_rounded_to_three_significant_digits()
    {
        // No unclipped run: every run's norms count, and as none diverged, their 99th percentile, 0.123456.
        var run = Run([4, 4, 4], [0.123456, 0.123456, 0.123456], "norm:1");
        Verdicts.Assess(run);
        Assert.Equal(0.123, ThresholdAdvisor.Advise([run])!.Threshold);
    }
}
