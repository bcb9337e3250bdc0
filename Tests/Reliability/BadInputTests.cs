// Bad input of every kind gets one clear line on stderr, naming the file, field or option, and a
// non-zero exit, never a stack trace or .NET's own text; and nothing is written before it is refused.
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
        // (a null value leaves the option out)
        string[] T(params string?[] overrides)
        {
            var options = new Dictionary<string, string> { ["--corpus"] = Corpus };
            for (int i = 0; i < Small.Length; i += 2) options[Small[i]] = Small[i + 1];
            for (int i = 0; i < overrides.Length; i += 2)
                if (overrides[i + 1] is { } value) options[overrides[i]!] = value;
                else options.Remove(overrides[i]!);
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
        yield return [T("--cell", "transformer"), "unknown cell 'transformer'; choose one of: rnn-tanh, rnn-relu, rnn-leaky[:SLOPE], lstm, gru"];
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
        yield return [new[] { "compare", "--preset", "vanish", "--task-steps", "0" }, "--task-steps '0': '0' is not a positive integer"];
        yield return [new[] { "compare", "--preset", "pascanu2013", "--task-steps", "50,x" }, "--task-steps '50,x': 'x' is not a positive integer"];
        yield return [new[] { "compare", "--preset", "pascanu2013", "--task-steps", "50,50" }, "--task-steps '50,50': 50 is given twice"];
        yield return [new[] { "compare", "--preset", "pascanu2013", "--task-steps", "50,5" }, "the temporal-order task needs at least 10 steps, got 5"];
        yield return [new[] { "compare", "--task-steps", "50" }, "--task-steps is for a synthetic task; the preset 'explode' trains on the corpus"];
        yield return [new[] { "compare", "--preset", "depth", "--parallel", "0" }, "--parallel must be a positive integer, got 0"];
        yield return [new[] { "compare", "--preset", "pascanu2013", "--init", "sparse:60:0.95", "--steps", "1" }, "init 'sparse:60:0.95': 60 incoming connections per unit, but a layer has only 50 units"];
        yield return [new[] { "bench", "--only", "everything" }, "unknown bench section 'everything'"];
        yield return [new[] { "bench", "--only", "train", "--shape", "64/0/64/256" }, "--shape wants four positive integers T/B/I/H"];
        yield return [new[] { "bench", "--preset", "shakespeare" }, "error: --preset is for the charlm section: add --only charlm"];
        yield return [new[] { "bench", "--only", "charlm", "--preset", "nope" }, "error: unknown train preset 'nope'; known: shakespeare"];
        yield return [new[] { "parity", File("bad.json", "{\"case\": 1}"u8.ToArray()) }, "is not a reference fixture"];

        // Nonsense that used to be accepted, and messages that were not one clear line.
        yield return [T("--corpus", ""), "error: --corpus is empty; give a UTF-8 text file or 'tinyshakespeare' for the built-in corpus"];
        yield return [T("--corpus", Dir), $"error: corpus file '{Dir}' is a directory, not a file"];
        yield return [T("--corpus", "/dev/zero"), "error: corpus file '/dev/zero' holds more than the limit of 256 MiB"];
        yield return [T("--corpus", Sparse("huge.txt", 300L << 20)), $"error: corpus file '{Path.Combine(Dir, "huge.txt")}' is 300 MiB, over the limit of 256 MiB"];
        yield return [T("--val-chars", "3"), "error: the validation text is too short: 3 characters (--val-chars 3; the corpus's last 10% holds 344) make 2 streams of 1, and each needs at least 2; raise --val-chars, lower --batch or use a longer corpus"];
        yield return [T("--corpus", File("one-sequence.txt", "abcdefghijklmnopqrst"u8.ToArray())), "error: the validation text is too short: 2 characters (--val-chars 100; the corpus's last 10% holds 2) make 2 streams of 1, and each needs at least 2; raise --val-chars, lower --batch or use a longer corpus"];
        yield return [T("--hidden", "2147483647"), "error: this configuration needs about"];
        yield return [T("--layers", "2147483647"), "error: this configuration needs about"];
        yield return [T("--minutes", "0", "--steps", null), "error: --minutes 0 without --steps would never stop; give minutes above 0 or a --steps budget"];
        yield return [T("--epochs", "NaN"), "error: epochs must be a finite number >= 0, got NaN"];
        yield return [(string[])[.. T(), "--out", ""], "error: --out is empty; give a directory for the run"];
        yield return [(string[])[.. T(), "--out", File("a-file", [1])], $"error: --out '{Path.Combine(Dir, "a-file")}' is a file, not a directory"];
        yield return [T("--steps", "ten", "--hidden", "x"), "error: --hidden wants a whole number, got 'x'"]; // the first of two errors only
        yield return [T("--lr", "fast"), "error: --lr wants a number, got 'fast'"];
        yield return [new[] { "train", "--resume", "" }, "error: --resume is empty; give a checkpoint file or a run directory"];
        yield return [new[] { "train", "--preset", "nope" }, "error: unknown train preset 'nope'; known: shakespeare"];
        yield return [new[] { "train", "--preset", "shakespeare", "--resume", Dir }, "error: --preset starts a fresh run; a resumed run keeps its checkpoint's settings"];
        yield return [new[] { "train", "--resume", Dir }, $"error: run directory '{Dir}' holds no checkpoint.safetensors"];
        yield return [new[] { "sample", Dir }, $"error: run directory '{Dir}' holds no checkpoint.safetensors"];
        yield return [new[] { "sample", "x", "--temperature", "NaN", "--length", "0" }, "error: --temperature must be a finite number >= 0, got NaN"];
        yield return [new[] { "sample", "x", "--temperature", "-1" }, "error: --temperature must be a finite number >= 0, got -1"];
        yield return [new[] { "sample", "x", "--length", "-1" }, "error: --length must be from 0 to 10000000, got -1"];
        yield return [new[] { "sample", "x", "--top-k", "-2" }, "error: --top-k must be >= 0, got -2"];
        yield return [new[] { "bench", "--seconds", "-1" }, "error: --seconds must be a number from 0 to 3600, got -1"];
        yield return [new[] { "bench", "--seconds", "NaN" }, "error: --seconds must be a number from 0 to 3600, got NaN"];
        yield return [new[] { "bench", "--seconds", "Infinity" }, "error: --seconds must be a number from 0 to 3600, got Infinity"];
        yield return [new[] { "selfcheck", "--elements", "63" }, "error: --elements must be from 64 to 67108864, got 63"];
        yield return [new[] { "parity", Dir }, $"error: fixture '{Dir}' is a directory, not a file"];
        yield return [new[] { "parity", File("not-json.json", "{oops"u8.ToArray()) }, $"error: fixture '{Path.Combine(Dir, "not-json.json")}' is not valid JSON (line 1, byte 2)"];
        yield return [new[] { "parity", File("no-tensors.json", "{\"case\": \"lstm\"}"u8.ToArray()) }, $"error: fixture '{Path.Combine(Dir, "no-tensors.json")}' is not a reference fixture: it has no 'tensors' object"];
        yield return [new[] { "parity", File("no-key.json", "{\"case\": \"lstm\", \"config\": {\"mode\": \"LSTM\"}, \"tensors\": {}}"u8.ToArray()) },
            $"error: fixture '{Path.Combine(Dir, "no-key.json")}' (case 'lstm') has no integer config entry 'I'"];
        yield return [new[] { "parity", File("no-combos.json", "{\"case\": \"clip_norm\", \"tensors\": {}}"u8.ToArray()) },
            $"error: fixture '{Path.Combine(Dir, "no-combos.json")}' (case 'clip_norm') lacks a config entry or tensor its case needs, or holds one of the wrong type or shape"];
    }

    /// <summary>A file of the given size that takes no disk space (a hole).</summary>
    private static string Sparse(string name, long size)
    {
        string path = Path.Combine(Dir, name);
        using var stream = new FileStream(path, FileMode.Create);
        stream.SetLength(size);
        return path;
    }

    /// <summary>Options a resume may not change, and changes it must validate like a fresh run.</summary>
    public static IEnumerable<object[]> ResumeCases()
    {
        yield return [new[] { "--cell", "gru" }, "error: --cell cannot change when resuming: the checkpoint was trained with lstm, got gru; start a fresh run to change it"];
        yield return [new[] { "--hidden", "0" }, "error: --hidden cannot change when resuming: the checkpoint was trained with 8, got 0; start a fresh run to change it"];
        yield return [new[] { "--batch", "4" }, "error: --batch cannot change when resuming: the checkpoint was trained with 2, got 4; start a fresh run to change it"];
        yield return [new[] { "--optimizer", "sgd" }, "error: --optimizer cannot change when resuming: the checkpoint was trained with adam, got sgd; start a fresh run to change it"];
        yield return [new[] { "--seed", "7" }, "error: --seed cannot change when resuming: the checkpoint was trained with 1, got 7; start a fresh run to change it"];
        yield return [new[] { "--lr", "-1" }, "error: learning rate must be a finite number above 0, got -1"];
        yield return [new[] { "--clip", "bogus:1" }, "error: unknown clip 'bogus:1'"];
        yield return [new[] { "--device", "nonsense" }, "error: unknown device 'nonsense'"];
        yield return [new[] { "--val-every", "0" }, "error: validation interval must be a positive integer, got 0"];
        yield return [new[] { "--schedule", "cosine:2" }, "error: schedule 'cosine:2': minimum fraction must be in [0, 1), got 2"];
        yield return [new[] { "--epochs", "1" }, "error: --epochs applies to a fresh run; give the total --steps when resuming"];
        yield return [new[] { "--corpus", File("other.txt", "completely other text, other letters: XYZ 0123456789 and more of it to be long enough"u8.ToArray()) },
            $"error: --corpus '{Path.Combine(Dir, "other.txt")}' has a different vocabulary"];
    }

    [Theory, MemberData(nameof(ResumeCases))]
    public void Resume_refuses_what_may_not_change_and_validates_what_may(string[] options, string expected)
    {
        string output = Path.Combine(Dir, "resume-" + string.Join("", options[0].Where(char.IsLetter)));
        var r = ProgramRunner.Run(["train", "--resume", Checkpoint.Value, "--out", output, .. options]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith(expected, r.Error);
        Assert.Single(r.Error.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    /// <summary>Damaged checkpoint fields: metadata set to a value (null: removed); "{file}" in the message is the damaged file.</summary>
    public static IEnumerable<object?[]> DamagedFields()
    {
        const string D = "error: checkpoint '{file}' is damaged: ";
        yield return ["initial_loss", "abc", D + "field 'initial_loss' is not a finite number ('abc')"];
        yield return ["best_validation_loss", "NaN", D + "field 'best_validation_loss' is not a finite number ('NaN')"];
        yield return ["seconds", "-5", D + "field 'seconds' (-5) is negative"];
        yield return ["seconds", "Infinity", D + "field 'seconds' is not a finite number ('Infinity')"];
        yield return ["step", "-3", D + "field 'step' is not a count ('-3')"];
        yield return ["step", null, D + "it has no 'step' entry"];
        yield return ["optimizer_step", "99", D + "field 'optimizer_step' (99) is above field 'step' (2)"];
        yield return ["batcher_position", "2147483640", D + "field 'batcher_position' (2147483640) lies beyond the training streams of 1548 characters"];
        yield return ["clip_state", "{not json", D + "field 'clip_state' is malformed for clip norm:1 ('{not json')"];
        yield return ["config", "{\"Cell\":\"nope\"}", D + "field 'config' is not valid: unknown cell 'nope'; choose one of: rnn-tanh, rnn-relu, rnn-leaky[:SLOPE], lstm, gru"];
        yield return ["config", "[1, 2]", D + "field 'config' is not a training configuration in JSON"];
        yield return ["vocabulary", "aa", D + "field 'vocabulary' repeats a character"];
        yield return ["checksums_sha256", "{}", D + "tensor 'embedding.weight' has no checksum in metadata 'checksums_sha256'"];
        yield return ["checksums_sha256", "nonsense", D + "metadata 'checksums_sha256' is not a JSON object of tensor names to digests"];
        yield return ["format", "other", "error: checkpoint '{file}' is a safetensors file but not an Engine checkpoint (format 'other')"];
    }

    [Theory, MemberData(nameof(DamagedFields))]
    public void A_damaged_checkpoint_field_is_named_in_one_line(string field, string? value, string expected)
    {
        var damaged = CheckpointSurgery.WithMetadata(System.IO.File.ReadAllBytes(Checkpoint.Value), field, value);
        string file = File($"field-{field}-{(value is null ? "removed" : value.Length)}.safetensors", damaged);
        foreach (var args in new[] { new[] { "train", "--resume", file, "--out", file + ".out" }, new[] { "sample", file } })
        {
            if (args[0] == "sample" && field is "step" or "optimizer_step" or "batcher_position" or "clip_state" or "initial_loss" or "best_validation_loss" or "seconds")
                continue; // sampling reads only the model's fields
            var r = ProgramRunner.Run(args);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal(expected.Replace("{file}", file) + "\n", r.Error);
            Assert.False(Directory.Exists(file + ".out"));
        }
    }

    [Fact]
    public void Duplicate_header_keys_and_a_short_zclip_state_are_named()
    {
        var bytes = System.IO.File.ReadAllBytes(Checkpoint.Value);
        string twice = File("twice-meta.safetensors", CheckpointSurgery.EditHeader(bytes, h => h.Replace("\"__metadata__\":{", "\"__metadata__\":{\"step\":\"1\",")));
        var r = ProgramRunner.Run("sample", twice);
        Assert.Equal($"error: checkpoint '{twice}' is damaged: metadata 'step' appears twice\n", r.Error);
        string twiceTop = File("twice-top.safetensors", CheckpointSurgery.EditHeader(bytes, h => "{\"__metadata__\":{}," + h[1..]));
        r = ProgramRunner.Run("sample", twiceTop);
        Assert.Equal($"error: checkpoint '{twiceTop}' is damaged: the header names '__metadata__' twice\n", r.Error);

        string output = Path.Combine(Dir, "zclip");
        Assert.Equal(0, ProgramRunner.Run(["train", "--corpus", Corpus, "--out", output, "--clip", "zclip", .. Small]).ExitCode);
        var zclip = System.IO.File.ReadAllBytes(Path.Combine(output, "checkpoint.safetensors"));
        string shortState = File("short-zclip.safetensors", CheckpointSurgery.WithMetadata(zclip, "clip_state", "{\"ConsecutiveSkips\":0,\"ZClip\":[1]}"));
        r = ProgramRunner.Run("train", "--resume", shortState, "--out", Path.Combine(Dir, "short-zclip"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"error: checkpoint '{shortState}' is damaged: field 'clip_state' is malformed for clip zclip", r.Error);
        Assert.Single(r.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void A_config_too_large_for_its_tensors_is_refused_before_any_model_is_built()
    {
        var file = SafeTensorsFile.Load(Checkpoint.Value);
        var meta = new Dictionary<string, string>(file.Metadata) { ["config"] = file.Metadata["config"].Replace("\"Hidden\":8", "\"Hidden\":1000000000") };
        string huge = Path.Combine(Dir, "huge-config.safetensors");
        new SafeTensorsFile { Tensors = file.Tensors, Metadata = meta }.Save(huge);
        var r = ProgramRunner.Run("sample", huge);
        Assert.Equal($"error: checkpoint '{huge}': its config describes a model of 1.2E+19 parameters (2 x 1000000000 lstm), which its tensors cannot hold\n", r.Error);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Gives_one_clear_line_and_a_non_zero_exit(string[] args, string expected)
    {
        var r = ProgramRunner.Run(args);
        Assert.NotEqual(0, r.ExitCode);
        // Messages written out from "error: " are the exact line (or its exact start where a figure depends on the machine).
        if (expected.StartsWith("error: ", StringComparison.Ordinal)) Assert.StartsWith(expected, r.Error);
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
