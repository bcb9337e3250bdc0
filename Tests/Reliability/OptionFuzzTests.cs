// The option parser and validation take 10,000 random and mutated command lines (fixed seed): every
// one ends in success or in a clean one-line error, never an unhandled exception or a stack trace.
// Nothing trains: every command line carries an invalid option so validation must stop it, or asks only
// for --help.
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Reliability;

[Collection(ProgramCollection.Name)]
public class OptionFuzzTests
{
    private static readonly string[] Options =
    [
        "--cell", "--layers", "--hidden", "--embedding", "--seq", "--batch", "--steps", "--minutes", "--optimizer", "--lr", "--weight-decay",
        "--momentum", "--beta1", "--beta2", "--eps", "--alpha", "--schedule", "--clip", "--nonfinite", "--max-skips", "--init", "--forget-bias",
        "--seed", "--device", "--val-every", "--val-chars", "--checkpoint-every", "--hidden-norms-every",
    ];

    private static readonly string[] Values =
    [
        "0", "-1", "1", "3", "1e9", "NaN", "inf", "-inf", "0.5", "abc", "", "norm:1", "norm:-1", "value:0", "auto:200", "zclip:2:2", "agc:",
        "lstm", "gru", "rnn-tanh", "nope", "adam", "sgd", "cosine", "step:0:0.5", "warmup:-3+cosine", "spectral:0", "orthogonal", "cpu", "skip",
        "error", "9999999999999", "1,5", "--", "=", "\u00e9", "\0",
    ];

    [Fact]
    public void Random_command_lines_end_cleanly()
    {
        var rng = new Rng(31337);
        int errors = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var args = new List<string> { "train", "--corpus", "/no/such/corpus/for/fuzzing.txt" };
            int count = 1 + rng.NextInt(5);
            for (int j = 0; j < count; j++)
            {
                args.Add(rng.NextInt(10) == 0 ? "--" + Values[rng.NextInt(Values.Length)] : Options[rng.NextInt(Options.Length)]);
                if (rng.NextInt(8) != 0) args.Add(Values[rng.NextInt(Values.Length)]);
            }
            var r = ProgramRunner.Run(args.ToArray());
            // The corpus does not exist, so even a fully valid line must fail, after validation, cleanly.
            Assert.NotEqual(0, r.ExitCode);
            Assert.StartsWith("error: ", r.Error);
            Assert.DoesNotContain("   at ", r.Error);
            Assert.DoesNotContain("internal error", r.Error);
            errors++;
        }
        Assert.Equal(10_000, errors);
    }
}
