// evaluate: on a checkpoint's own validation split it gives exactly the number the trainer recorded
// for those weights (best.safetensors' best loss, the last validation line of metrics.jsonl); its bits
// and perplexity follow from the nats; a directory means its best checkpoint, else its latest; a text
// with a character outside the checkpoint's vocabulary, or a missing checkpoint, ends in one error line.
using System.Globalization;
using System.Text.Json;
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Xunit;

namespace Engine.Tests.Training;

[Collection(ProgramCollection.Name)]
public class EvaluateTests
{
    /// <summary>A tiny run of 6 steps validated every 2, in dir/run, with the given cell and seed.</summary>
    private static (string Corpus, string Run) Trained(string cell, ulong seed)
    {
        var dir = Directory.CreateTempSubdirectory("evaluate").FullName;
        string corpus = ProgramRunner.Corpus(dir), run = Path.Combine(dir, "run");
        var r = ProgramRunner.Run("train", "--corpus", corpus, "--cell", cell, "--layers", "1", "--hidden", "8", "--embedding", "4", "--seq", "8",
            "--batch", "3", "--steps", "6", "--val-chars", "150", "--val-every", "2", "--checkpoint-every", "1000", "--lr", "0.01",
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", run);
        Assert.True(r.ExitCode == 0, r.Error);
        return (corpus, run);
    }

    [Theory]
    [InlineData("gru", 1UL)]
    [InlineData("lstm", 2UL)]
    [InlineData("rnn-tanh", 3UL)]
    public void The_validation_split_gives_exactly_the_trainers_numbers(string cell, ulong seed)
    {
        var (_, run) = Trained(cell, seed);
        string best = Path.Combine(run, "best.safetensors"), latest = Path.Combine(run, "checkpoint.safetensors");

        var ofDirectory = CheckpointEvaluation.Run(run, null, "cpu");
        Assert.Equal(best, ofDirectory.Checkpoint);
        Assert.Equal(Checkpoint.Load(best).Number("best_validation_loss"), ofDirectory.Nats);

        double lastValidation = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(m => m.TryGetProperty("validation_loss", out var v) && v.ValueKind == JsonValueKind.Number)
            .Last().GetProperty("validation_loss").GetDouble();
        Assert.Equal(lastValidation, CheckpointEvaluation.Run(latest, null, "cpu").Nats);
    }

    [Fact]
    public void Bits_and_perplexity_follow_from_the_nats_and_the_command_prints_all_three()
    {
        var (corpus, run) = Trained("gru", 4);
        var e = CheckpointEvaluation.Run(run, corpus, "cpu");
        Assert.Equal(e.Nats / Math.Log(2), e.Bits);
        Assert.Equal(Math.Exp(e.Nats), e.Perplexity);
        Assert.True(e.Nats > 0 && double.IsFinite(e.Nats));

        var r = ProgramRunner.Run("evaluate", run, "--corpus", corpus);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"checkpoint: {Path.Combine(run, "best.safetensors")}", r.Output);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"loss {e.Nats:F4} nats/char, {e.Bits:F4} bits/char, perplexity {e.Perplexity:F3}"), r.Output);
    }

    [Fact]
    public void A_directory_without_a_best_checkpoint_means_its_latest()
    {
        var (_, run) = Trained("gru", 5);
        File.Delete(Path.Combine(run, "best.safetensors"));
        var r = ProgramRunner.Run("evaluate", run);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"checkpoint: {Path.Combine(run, "checkpoint.safetensors")}", r.Output);
        Assert.Contains("validation split of", r.Output);
    }

    [Fact]
    public void A_character_outside_the_vocabulary_is_refused_by_name()
    {
        var (corpus, run) = Trained("gru", 6);
        string other = Path.Combine(Path.GetDirectoryName(corpus)!, "other.txt");
        File.WriteAllText(other, "To be, or not to be: Z marks the spot.\n");
        var r = ProgramRunner.Run("evaluate", run, "--corpus", other);
        Assert.NotEqual(0, r.ExitCode);
        string line = Assert.Single(r.Error.Trim().Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.Contains("'Z' (U+005A)", line);
    }

    [Fact]
    public void A_missing_checkpoint_is_one_error_line()
    {
        var dir = Directory.CreateTempSubdirectory("evaluate-missing").FullName;
        var r = ProgramRunner.Run("evaluate", Path.Combine(dir, "nothing.safetensors"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.StartsWith("error: ", Assert.Single(r.Error.Trim().Split('\n')));
    }
}
