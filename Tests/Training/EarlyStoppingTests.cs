// train --patience: with SGD at a learning rate of 1e-30 every update is far below the rounding of
// the sums it enters, so every validation equals the first and none improves on it; the run must then stop at exactly the validation that exhausts the
// patience, exit 0 as a run of its own kind of end, keep best.safetensors, and carry the count of
// validations without improvement across a resume.
using System.Globalization;
using System.Text.Json;
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Xunit;

namespace Engine.Tests.Training;

[Collection(ProgramCollection.Name)]
public class EarlyStoppingTests
{
    private static string[] Flat(string corpus, string outDir, int steps, int valEvery, int patience) =>
    [
        "train", "--corpus", corpus, "--cell", "gru", "--layers", "1", "--hidden", "8", "--embedding", "4", "--seq", "8", "--batch", "2",
        "--steps", steps.ToString(CultureInfo.InvariantCulture), "--val-chars", "100", "--val-every", valEvery.ToString(CultureInfo.InvariantCulture),
        "--checkpoint-every", "1000", "--optimizer", "sgd", "--lr", "1e-30", "--patience", patience.ToString(CultureInfo.InvariantCulture), "--out", outDir,
    ];

    private static Checkpoint Saved(string dir) => Checkpoint.Load(Path.Combine(dir, "checkpoint.safetensors"));

    private static JsonElement End(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"))
        .Select(l => JsonDocument.Parse(l).RootElement).Single(m => m.TryGetProperty("event", out var e) && e.GetString() == "end");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    public void A_flat_run_stops_at_the_validation_that_exhausts_the_patience(int valEvery, int patience)
    {
        var dir = Directory.CreateTempSubdirectory("patience").FullName;
        string corpus = ProgramRunner.Corpus(dir), run = Path.Combine(dir, "run");
        // The first validation sets the best; each later one fails to improve on it.
        int expected = valEvery * (patience + 1);
        var r = ProgramRunner.Run(Flat(corpus, run, 50, valEvery, patience));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"stopped early at step {expected}: no improvement in {patience} validations", r.Output);
        Assert.Contains($"at step {valEvery})", r.Output);
        var saved = Saved(run);
        Assert.Equal(expected, saved.Count("step"));
        Assert.Equal(patience, saved.Count("validations_without_improvement"));
        Assert.Equal(valEvery, saved.Count("best_validation_step"));
        Assert.True(File.Exists(Path.Combine(run, "best.safetensors")));
        var end = End(run);
        Assert.Equal("stoppedearly", end.GetProperty("end").GetString());
        Assert.Equal(expected, end.GetProperty("step").GetInt32());
    }

    [Fact]
    public void Patience_zero_never_stops_early()
    {
        var dir = Directory.CreateTempSubdirectory("patience0").FullName;
        string corpus = ProgramRunner.Corpus(dir), run = Path.Combine(dir, "run");
        var r = ProgramRunner.Run(Flat(corpus, run, 8, 1, 0));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("finished 8 steps", r.Output);
        Assert.Equal(7, Saved(run).Count("validations_without_improvement"));
    }

    [Fact]
    public void The_count_survives_a_resume_and_the_patience_may_change()
    {
        var dir = Directory.CreateTempSubdirectory("patience-resume").FullName;
        string corpus = ProgramRunner.Corpus(dir), a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b");
        // Validations at steps 1, 2, 3: the best at 1, then two without improvement; the budget ends first.
        foreach (string run in new[] { a, b })
        {
            var first = ProgramRunner.Run(Flat(corpus, run, 3, 1, 3));
            Assert.True(first.ExitCode == 0, first.Error);
            Assert.Contains("finished 3 steps", first.Output);
            Assert.Equal(2, Saved(run).Count("validations_without_improvement"));
        }

        // A counter restarted at 0 would run to step 6; the carried one stops at the next validation.
        var resumed = ProgramRunner.Run("train", "--resume", a, "--steps", "50");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("stopped early at step 4: no improvement in 3 validations", resumed.Output);
        Assert.Equal(4, Saved(a).Count("step"));

        var longer = ProgramRunner.Run("train", "--resume", b, "--steps", "50", "--patience", "5");
        Assert.True(longer.ExitCode == 0, longer.Error);
        Assert.Contains("stopped early at step 6: no improvement in 5 validations", longer.Output);
    }

    [Fact]
    public void A_checkpoint_without_the_count_resumes_counting_from_zero()
    {
        var dir = Directory.CreateTempSubdirectory("patience-old").FullName;
        string corpus = ProgramRunner.Corpus(dir), run = Path.Combine(dir, "run"), file = Path.Combine(run, "checkpoint.safetensors");
        var first = ProgramRunner.Run(Flat(corpus, run, 3, 1, 3));
        Assert.True(first.ExitCode == 0, first.Error);
        // As written before early stopping existed: neither field.
        byte[] bytes = File.ReadAllBytes(file);
        bytes = Reliability.CheckpointSurgery.WithMetadata(bytes, "validations_without_improvement", null);
        bytes = Reliability.CheckpointSurgery.WithMetadata(bytes, "best_validation_step", null);
        File.WriteAllBytes(file, bytes);

        var resumed = ProgramRunner.Run("train", "--resume", run, "--steps", "50");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("stopped early at step 6: no improvement in 3 validations", resumed.Output);
    }

    [Fact]
    public void A_negative_patience_is_refused_in_one_line()
    {
        var dir = Directory.CreateTempSubdirectory("patience-bad").FullName;
        var r = ProgramRunner.Run(Flat(ProgramRunner.Corpus(dir), Path.Combine(dir, "run"), 5, 1, -1));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("error: patience must be >= 0 validations, got -1", r.Error.Trim());
    }
}
