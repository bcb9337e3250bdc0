// Bad input of every kind gets one clear line on stderr and a non-zero exit, never a stack trace.
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Xunit;

namespace Engine.Tests.Reliability;

[Collection(ProgramCollection.Name)]
public class BadInputTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("bad").FullName;
    private static readonly string Corpus = ProgramRunner.Corpus(Dir);
    private static readonly string[] Small = ["--hidden", "8", "--embedding", "4", "--seq", "8", "--batch", "2", "--steps", "2", "--val-chars", "100"];

    private static string File(string name, byte[] bytes)
    {
        string path = Path.Combine(Dir, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A real checkpoint from a 2-step run, made once.</summary>
    private static readonly Lazy<string> Checkpoint = new(() =>
    {
        string output = Path.Combine(Dir, "good");
        var r = ProgramRunner.Run(["train", "--corpus", Corpus, "--out", output, .. Small]);
        Assert.Equal(0, r.ExitCode);
        return Path.Combine(output, "checkpoint.safetensors");
    });

    public static IEnumerable<object[]> Cases()
    {
        // train with small settings, where the given option pairs replace the defaults
        string[] T(params string[] overrides)
        {
            var options = new Dictionary<string, string> { ["--corpus"] = Corpus };
            for (int i = 0; i < Small.Length; i += 2) options[Small[i]] = Small[i + 1];
            for (int i = 0; i < overrides.Length; i += 2) options[overrides[i]] = overrides[i + 1];
            return ["train", .. options.SelectMany(kv => new[] { kv.Key, kv.Value })];
        }
        yield return [T("--corpus", "/no/such/file.txt"), "corpus file '/no/such/file.txt' does not exist"];
        yield return [T("--corpus", File("empty.txt", [])), "is empty"];
        yield return [T("--corpus", File("binary.bin", [0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01, 0x02, 0x00])), "looks binary"];
        yield return [T("--corpus", File("latin1.txt", [0x63, 0x61, 0x66, 0xE9, 0x20, 0x21])), "is not valid UTF-8"];
        yield return [T("--corpus", File("short.txt", "abcdefghij"u8.ToArray())), "too few for 2 streams"];
        yield return [T("--hidden", "0"), "hidden size must be a positive integer, got 0"];
        yield return [T("--layers", "-2"), "layers must be a positive integer, got -2"];
        yield return [T("--batch", "0"), "batch size must be a positive integer, got 0"];
        yield return [T("--lr", "0"), "learning rate must be a finite number above 0, got 0"];
        yield return [T("--lr", "-0.1"), "learning rate must be a finite number above 0, got -0.1"];
        yield return [T("--clip", "norm:0"), "clip 'norm:0': max norm must be a finite number above 0, got 0"];
        yield return [T("--clip", "norm:NaN"), "clip 'norm:NaN': max norm must be a finite number above 0, got NaN"];
        yield return [T("--clip", "clamp:1"), "unknown clip 'clamp:1'"];
        yield return [T("--cell", "transformer"), "unknown cell 'transformer'; choose one of: rnn-tanh, rnn-relu, lstm, gru"];
        yield return [T("--optimizer", "lion"), "unknown optimizer 'lion'"];
        yield return [T("--nonfinite", "ignore"), "unknown non-finite policy 'ignore'"];
        yield return [T("--device", "tpu"), "unknown device 'tpu'"];
        yield return [T("--steps", "ten"), "ten"];
        yield return [T("--hidden", "200000", "--batch", "512", "--seq", "512"), "this configuration needs about"];
        yield return [new[] { "train", "--resume", "/no/such/checkpoint.safetensors" }, "checkpoint '/no/such/checkpoint.safetensors' does not exist"];
        yield return [new[] { "sample", File("not-a-checkpoint.safetensors", "hello world, not safetensors"u8.ToArray()) }, "is damaged"];
        yield return [new[] { "compare", "--preset", "implode" }, "unknown preset 'implode'"];
        yield return [new[] { "compare", "--run", "oops" }, "--run 'oops' is not name=clip-spec"];
        yield return [new[] { "compare", "--sweep", "norm:1,-5" }, "clip 'norm:-5': max norm must be a finite number above 0, got -5"];
        yield return [new[] { "bench", "--only", "everything" }, "unknown bench section 'everything'"];
        yield return [new[] { "bench", "--only", "train", "--shape", "64/0/64/256" }, "--shape wants four positive integers T/B/I/H"];
        yield return [new[] { "parity", File("bad.json", "{\"case\": 1}"u8.ToArray()) }, "is not a reference fixture"];
    }

    [Theory, MemberData(nameof(Cases))]
    public void Gives_one_clear_line_and_a_non_zero_exit(string[] args, string expected)
    {
        var r = ProgramRunner.Run(args);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(expected, r.Error);
        Assert.StartsWith("error: ", r.Error);
        Assert.Single(r.Error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public void Truncated_and_corrupted_checkpoints_are_refused()
    {
        var bytes = System.IO.File.ReadAllBytes(Checkpoint.Value);
        foreach (var (name, damaged) in new[] { ("truncated", bytes[..(bytes.Length / 2)]), ("flipped", Flip(bytes, 12)) })
        {
            var r = ProgramRunner.Run("train", "--resume", File(name + ".safetensors", damaged), "--out", Path.Combine(Dir, name));
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("is damaged", r.Error);
            Assert.Single(r.Error.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public void Checkpoints_of_another_shape_or_vocabulary_are_refused()
    {
        // Another shape: the config says 16 hidden units, the tensors hold 8.
        var file = SafeTensorsFile.Load(Checkpoint.Value);
        var meta = new Dictionary<string, string>(file.Metadata) { ["config"] = file.Metadata["config"].Replace("\"Hidden\":8", "\"Hidden\":16") };
        string reshaped = Path.Combine(Dir, "reshaped.safetensors");
        new SafeTensorsFile { Tensors = file.Tensors, Metadata = meta }.Save(reshaped);
        var r = ProgramRunner.Run("train", "--resume", reshaped, "--out", Path.Combine(Dir, "reshaped"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("tensor 'lstm.weight_ih_l0' has shape [32, 4], its config's model needs [64, 4]", r.Error);

        // Another vocabulary: the corpus named in the checkpoint changed on disk.
        string corpus = ProgramRunner.Corpus(Directory.CreateTempSubdirectory("vocab").FullName);
        var trained = ProgramRunner.Run(["train", "--corpus", corpus, "--out", Path.Combine(Dir, "vocab"), .. Small]);
        Assert.Equal(0, trained.ExitCode);
        System.IO.File.AppendAllText(corpus, "XYZ new characters 12345");
        var resumed = ProgramRunner.Run("train", "--resume", Path.Combine(Dir, "vocab"), "--steps", "4", "--out", Path.Combine(Dir, "vocab"));
        Assert.NotEqual(0, resumed.ExitCode);
        Assert.Contains("has a different vocabulary", resumed.Error);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0xFF;
        return copy;
    }
}
