// How `sample` starts: without a prime, from a newline (the start of a fresh line of the text), which
// conditions the model but is not printed; so over several seeds and temperatures its output equals the
// output primed with "\n", less that newline. --length 0 prints nothing at all, prime or not.
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Training;

[Collection(ProgramCollection.Name)]
public class SamplingStartTests
{
    private static readonly Lazy<string> Run = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("sampling").FullName;
        string output = Path.Combine(dir, "run");
        var r = ProgramRunner.Run("train", "--corpus", ProgramRunner.Corpus(dir), "--hidden", "16", "--embedding", "8", "--seq", "16", "--batch", "4",
            "--steps", "30", "--val-chars", "200", "--out", output);
        Assert.True(r.ExitCode == 0, r.Error);
        return output;
    });

    [Theory]
    [InlineData("1", "0")]
    [InlineData("2", "0.8")]
    [InlineData("3", "1.5")]
    public void Without_a_prime_the_sample_starts_from_a_newline(string seed, string temperature)
    {
        var plain = ProgramRunner.Run("sample", Run.Value, "--length", "60", "--seed", seed, "--temperature", temperature);
        var primed = ProgramRunner.Run("sample", Run.Value, "--length", "60", "--seed", seed, "--temperature", temperature, "--prime", "\n");
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(0, primed.ExitCode);
        Assert.StartsWith("\n", primed.Output);
        Assert.Equal(primed.Output[1..], plain.Output);
        Assert.Equal(60 + 1, plain.Output.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("To be")]
    public void Length_zero_prints_nothing(string prime)
    {
        var r = ProgramRunner.Run("sample", Run.Value, "--length", "0", "--prime", prime);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Output);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void A_vocabulary_without_a_newline_needs_a_prime()
    {
        var dir = Directory.CreateTempSubdirectory("no-newline").FullName;
        string corpus = Path.Combine(dir, "line.txt"), output = Path.Combine(dir, "run");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("all on one line, never broken; ", 60)));
        Assert.Equal(0, ProgramRunner.Run("train", "--corpus", corpus, "--hidden", "8", "--embedding", "4", "--seq", "8", "--batch", "2", "--steps", "1",
            "--val-chars", "100", "--out", output).ExitCode);
        var r = ProgramRunner.Run("sample", output, "--length", "5");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("error: the checkpoint's vocabulary has no newline to start from; give --prime\n", r.Error);
        Assert.Equal(0, ProgramRunner.Run("sample", output, "--length", "5", "--prime", "all").ExitCode);
    }
}
