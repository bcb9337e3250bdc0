// The option syntax of `compare`: user runs (with their own options) and threshold sweeps.
using Engine.Training.Cli;
using Engine.Training.Experiments;
using Xunit;

namespace Engine.Tests.Training;

public class CompareOptionTests
{
    [Fact]
    public void Runs_and_sweeps_parse_into_named_clip_specs()
    {
        Assert.Equal(new RunSpec("tight", "norm:0.25"), CompareCommand.ParseRun("tight=norm:0.25"));
        var (kind, runs) = CompareCommand.Sweep("norm:0.1, 5,25");
        Assert.Equal("norm", kind);
        Assert.Equal(["norm:0.1", "norm:5", "norm:25"], runs.Select(r => r.Clip));
        Assert.Equal(["norm:0.1", "norm:5", "norm:25"], runs.Select(r => r.Name));
        Assert.Contains("is not name=clip-spec", Assert.Throws<ArgumentException>(() => CompareCommand.ParseRun("=none")).Message);
        Assert.Contains("lists no thresholds", Assert.Throws<ArgumentException>(() => CompareCommand.Sweep("norm:")).Message);
    }

    [Fact]
    public void Per_run_options_are_parsed_by_trains_own_definitions_onto_the_base()
    {
        var spec = CompareCommand.ParseRun("slow=norm:1,lr=0.1,cell=gru,nesterov=true");
        Assert.Equal(("slow", "norm:1", "lr=0.1,cell=gru,nesterov=true"), (spec.Name, spec.Clip, spec.Overrides));
        var basis = new Engine.Training.Trainer.TrainConfig { Hidden = 77, Clip = "none" };
        var config = spec.ConfigFrom(basis);
        // The given options change; everything else keeps the base's value (not train's default).
        Assert.Equal((0.1f, "gru", true, 77, "norm:1"), (config.LearningRate, config.Cell, config.Nesterov, config.Hidden, config.Clip));
        Assert.Contains("is not option=value", Assert.Throws<ArgumentException>(() => CompareCommand.ParseRun("a=none,lr")).Message);
        Assert.Contains("the clip is the first item", Assert.Throws<ArgumentException>(() => CompareCommand.ParseRun("a=none,clip=norm:1")).Message);
    }
}
