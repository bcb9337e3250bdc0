// train --preset: a recipe sets every setting of the run, and options typed beside it replace its
// settings one by one (the config line of metrics.jsonl records what the run used).
using System.Text.Json;
using Engine.Tests.Support;
using Engine.Training.Trainer;
using Xunit;

namespace Engine.Tests.Training;

[Collection(ProgramCollection.Name)]
public class TrainPresetTests
{
    private static JsonElement Config(string run) =>
        JsonDocument.Parse(File.ReadLines(Path.Combine(run, "metrics.jsonl")).First()).RootElement.GetProperty("config");

    [Fact]
    public void The_shakespeare_recipe_trains_with_its_own_settings()
    {
        string run = Path.Combine(Directory.CreateTempSubdirectory("preset").FullName, "run");
        var r = ProgramRunner.Run("train", "--preset", "shakespeare", "--steps", "2", "--val-every", "2", "--val-chars", "4000", "--out", run);
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        Assert.Contains("lstm 2x512 on 'tinyshakespeare'", r.Output);
        Assert.Contains("finished 2 steps", r.Output);
        var config = Config(run);
        var recipe = TrainPreset.Shakespeare.Config;
        Assert.Equal(recipe.Hidden, config.GetProperty("hidden").GetInt32());
        Assert.Equal(recipe.Layers, config.GetProperty("layers").GetInt32());
        Assert.Equal(recipe.Dropout, config.GetProperty("dropout").GetSingle());
        Assert.Equal(recipe.Schedule, config.GetProperty("schedule").GetString());
        Assert.Equal(2, config.GetProperty("steps").GetInt32()); // typed beside the preset
        Assert.True(File.Exists(Path.Combine(run, "best.safetensors")));
    }

    [Fact]
    public void Options_given_beside_a_preset_replace_only_their_own_setting()
    {
        var dir = Directory.CreateTempSubdirectory("preset-override").FullName;
        string corpus = ProgramRunner.Corpus(dir), run = Path.Combine(dir, "run");
        var r = ProgramRunner.Run("train", "--preset", "shakespeare", "--corpus", corpus, "--hidden", "16", "--layers", "1", "--batch", "2", "--seq", "8",
            "--steps", "3", "--val-chars", "100", "--out", run);
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        var config = Config(run);
        Assert.Equal(16, config.GetProperty("hidden").GetInt32());
        Assert.Equal(1, config.GetProperty("layers").GetInt32());
        Assert.Equal(TrainPreset.Shakespeare.Config.Dropout, config.GetProperty("dropout").GetSingle());
        Assert.Equal(TrainPreset.Shakespeare.Config.Schedule, config.GetProperty("schedule").GetString());
        Assert.Equal(TrainPreset.Shakespeare.Config.ValidateEvery, config.GetProperty("validate_every").GetInt32());
    }
}
