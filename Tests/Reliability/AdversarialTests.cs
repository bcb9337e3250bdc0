// An adversarial suite, generated: mutations of every field of a valid checkpoint and of every tensor's
// header entry, option values at and beyond every bound of every command, and fixtures with each key or
// tensor removed. Each case must end in success (or a reported divergence or parity mismatch) or in one
// clear `error:` line in the program's own words: never "internal error", a stack trace or .NET text.
// Everything runs in-process on tiny models with a step and time budget, so the suite stays quick.
using System.Text.Json.Nodes;
using Engine.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Engine.Tests.Reliability;

[Collection(ProgramCollection.Name)]
public class AdversarialTests(ITestOutputHelper log)
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("adversarial").FullName;
    private static readonly string Corpus = ProgramRunner.Corpus(Dir);
    private static int serial;

    private static readonly string[] TinyRun =
    [
        "--corpus", Corpus, "--cell", "lstm", "--layers", "1", "--hidden", "6", "--embedding", "3", "--seq", "6", "--batch", "2", "--steps", "2",
        "--val-chars", "60", "--val-every", "1000", "--checkpoint-every", "1000", "--minutes", "0.005",
    ];

    /// <summary>A fresh tiny run with one option replaced (or added), into its own folder.</summary>
    private static string[] Train(string option, string value)
    {
        var args = new List<string> { "train" };
        for (int i = 0; i < TinyRun.Length; i += 2)
            if (TinyRun[i] != option) args.AddRange([TinyRun[i], TinyRun[i + 1]]);
        args.AddRange([option, value, "--out", Fresh()]);
        return args.ToArray();
    }

    private static string Fresh() => Path.Combine(Dir, "out-" + Interlocked.Increment(ref serial));

    private static string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Dir, $"{Interlocked.Increment(ref serial)}-{name}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static readonly Lazy<byte[]> Valid = new(() =>
    {
        string output = Fresh();
        var r = ProgramRunner.Run(["train", .. TinyRun, "--out", output]);
        Assert.True(r.ExitCode == 0, r.Error);
        return File.ReadAllBytes(Path.Combine(output, "checkpoint.safetensors"));
    });

    private static readonly string?[] FieldValues =
    [
        null, "", "0", "-1", "1", "2147483647", "2147483648", "1e999", "NaN", "abc", "{}", "[]", "null", "\"x\"", "{\"Cell\":\"gru\"}", "\u00fc\u2713\n",
        new string('9', 5000),
    ];

    private static readonly string[] Ints = ["-1", "0", "1", "2147483647", "2147483648"];
    private static readonly string[] Floats = ["-1", "0", "1e-45", "1", "0.999999", "3.4e38", "1e39", "NaN", "Infinity", "-Infinity"];

    private static readonly (string Option, string[] Values)[] TrainOptions =
    [
        ("--layers", Ints), ("--hidden", Ints), ("--embedding", Ints), ("--seq", Ints), ("--batch", Ints), ("--steps", Ints), ("--max-skips", Ints),
        ("--val-every", Ints), ("--val-chars", Ints), ("--checkpoint-every", Ints), ("--hidden-norms-every", Ints), ("--seed", ["0", "18446744073709551615", "18446744073709551616", "-1"]),
        ("--lr", Floats), ("--weight-decay", Floats), ("--momentum", Floats), ("--beta1", Floats), ("--beta2", Floats), ("--eps", Floats), ("--alpha", Floats),
        ("--forget-bias", Floats), ("--minutes", Floats), ("--epochs", Floats),
        ("--cell", ["lstm", "gru", "rnn-tanh", "rnn-relu", "", "LSTM"]),
        ("--optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "", "lion"]),
        ("--schedule", ["constant", "cosine", "cosine:0.5", "step:1:0.5", "warmup:1+cosine", "warmup:0+cosine", "step:0:0.5", "cosine:1", ""]),
        ("--clip", ["none", "value:1", "norm:1:inf", "param-norm:1", "layer-norm:1", "agc:0.01", "auto:10", "zclip", "zclip:2:0.9:1", "norm:-1", "value:NaN", "zclip:0", "auto:101", ""]),
        ("--nonfinite", ["error", "skip", "zero", "propagate", "", "x"]),
        ("--init", ["default", "xavier", "orthogonal", "identity", "spectral:0.9", "spectral:0", ""]),
        ("--device", ["cpu", "reference", "", "nonsense"]),
        ("--corpus", ["", " ", "/dev/null", "/no/such/file", "/", "tinyshakespeare"]),
        ("--out", ["", "/dev/null", "/proc/no-such-dir/x"]),
    ];

    public static IEnumerable<(string Name, string[] Args)> Cases()
    {
        foreach (var (option, values) in TrainOptions)
            foreach (var value in values)
                yield return ($"train {option} '{value}'", Train(option, value));

        // Every metadata field of a valid checkpoint, replaced or removed; resumed, and sampled where sampling reads it.
        var valid = Valid.Value;
        var meta = JsonNode.Parse(CheckpointSurgery.Split(valid).Header)!["__metadata__"]!.AsObject().Select(kv => kv.Key).ToList();
        foreach (var field in meta)
            foreach (var value in FieldValues)
            {
                string file = Write($"{field}.safetensors", CheckpointSurgery.WithMetadata(valid, field, value));
                string label = $"{field}={(value is null ? "(removed)" : value.Length > 20 ? value[..20] + "..." : value)}";
                yield return ($"resume {label}", ["train", "--resume", file, "--steps", "3", "--out", Fresh()]);
                if (field is "format" or "config" or "vocabulary" or "checksums_sha256")
                    yield return ($"sample {label}", ["sample", file, "--length", "3"]);
            }

        // Every tensor's header entry: another shape, another dtype, swapped offsets, or gone.
        foreach (var tensor in CheckpointSurgery.TensorNames(valid))
        {
            var edits = new (string What, Action<JsonObject> Edit)[]
            {
                ("shape+1", e => e["shape"] = new JsonArray([.. e["shape"]!.AsArray().Select(d => (JsonNode)(d!.GetValue<int>() + 1))])),
                ("scalar", e => e["shape"] = new JsonArray()),
                ("f16", e => e["dtype"] = "F16"),
                ("swapped", e => e["data_offsets"] = new JsonArray(e["data_offsets"]![1]!.GetValue<long>(), e["data_offsets"]![0]!.GetValue<long>())),
            };
            foreach (var (what, edit) in edits)
            {
                string file = Write($"{tensor}-{what}.safetensors", CheckpointSurgery.EditJson(valid, root => edit(root[tensor]!.AsObject())));
                yield return ($"resume {tensor} {what}", ["train", "--resume", file, "--steps", "3", "--out", Fresh()]);
            }
            string gone = Write($"{tensor}-gone.safetensors", CheckpointSurgery.EditJson(valid, root => root.Remove(tensor)));
            yield return ($"sample {tensor} gone", ["sample", gone, "--length", "3"]);
        }

        string checkpoint = Write("valid.safetensors", valid);
        foreach (var (option, values) in new (string, string[])[]
        {
            ("--length", ["-1", "0", "1", "10000001", "x"]),
            ("--temperature", ["-1", "0", "NaN", "Infinity", "1e30", "1e-30"]),
            ("--top-k", ["-1", "0", "1", "2147483647"]),
            ("--prime", ["", "zz\u2713", "\u0000", "To be"]),
            ("--seed", ["0", "18446744073709551615", "18446744073709551616", "-1"]),
            ("--device", ["", "nonsense", "reference"]),
        })
            foreach (var value in values)
                yield return ($"sample {option} '{value}'", option == "--length" ? ["sample", checkpoint, option, value] : ["sample", checkpoint, "--length", "4", option, value]);

        foreach (var (option, value) in new[]
        {
            ("--seconds", "-1"), ("--seconds", "NaN"), ("--seconds", "Infinity"), ("--seconds", "3601"), ("--only", "nope"), ("--only", ""),
            ("--shape", "1/1/1"), ("--shape", "a/b/c/d"), ("--shape", "0/1/1/1"), ("--shape", "2147483648/1/1/1"), ("--shape", ""),
            ("--cells", ""), ("--cells", "nope"), ("--cells", "lstm,,gru"), ("--device", "nonsense"),
        })
            yield return ($"bench {option} '{value}'", ["bench", "--only", "train", "--seconds", "0", "--shape", "2/1/2/2", "--cells", "rnn-tanh", option, value]);
        yield return ("bench at its bounds", ["bench", "--only", "train", "--seconds", "0", "--shape", "1/1/1/1", "--cells", "gru"]);

        foreach (var value in new[] { "63", "67108865", "-1", "2147483647", "x" })
            yield return ($"selfcheck --elements {value}", ["selfcheck", "--device", "reference", "--elements", value]);
        yield return ("selfcheck --device nonsense", ["selfcheck", "--device", "nonsense"]);

        foreach (var value in new[] { "nope", "" }) yield return ($"compare --preset '{value}'", ["compare", "--preset", value, "--out", Fresh()]);
        foreach (var (option, value) in new[] { ("--steps", "0"), ("--steps", "-1"), ("--lr", "NaN"), ("--lr", "-1"), ("--sweep", "norm:"), ("--sweep", "x"), ("--sweep", ":1"),
            ("--run", "="), ("--run", "a="), ("--run", "=norm:1"), ("--run", "a=bogus") })
            yield return ($"compare {option} '{value}'", ["compare", option, value, "--out", Fresh()]);

        // Fixtures with each config key or tensor removed, or a tensor's shape changed.
        foreach (var name in new[] { "optim_sgd", "lstm", "clip_value" })
        {
            var original = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".json")))!.AsObject();
            yield return ($"parity {name}", ["parity", Write(name + ".json", System.Text.Encoding.UTF8.GetBytes(original.ToJsonString()))]);
            foreach (var section in new[] { "config", "tensors" })
                foreach (var key in original[section]!.AsObject().Select(kv => kv.Key).ToList())
                {
                    var copy = original.DeepClone().AsObject();
                    copy[section]!.AsObject().Remove(key);
                    yield return ($"parity {name} without {section}.{key}", ["parity", Write($"{name}-{key}.json", System.Text.Encoding.UTF8.GetBytes(copy.ToJsonString()))]);
                }
            var reshaped = original.DeepClone().AsObject();
            foreach (var (_, tensor) in reshaped["tensors"]!.AsObject()) tensor!["shape"] = new JsonArray(tensor["data"]!.AsArray().Count);
            yield return ($"parity {name} flattened", ["parity", Write($"{name}-flat.json", System.Text.Encoding.UTF8.GetBytes(reshaped.ToJsonString()))]);
        }
    }

    [Fact]
    public void Every_generated_case_ends_in_success_or_one_clear_line()
    {
        int succeeded = 0, refused = 0;
        var bad = new List<string>();
        var cases = Cases().ToList();
        foreach (var (name, args) in cases)
        {
            var r = ProgramRunner.Run(args);
            var lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            bool noted = lines.All(l => l.StartsWith("note: ", StringComparison.Ordinal));
            if (r.ExitCode == 0 && noted) succeeded++;
            else if (r.ExitCode == 3 && noted && r.Output.Contains("DIVERGED")) succeeded++;
            else if (r.ExitCode == 1 && noted && r.Output.Contains("outside tolerance")) succeeded++;
            else if (r.ExitCode is 1 or 2 && lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal)
                     && !lines[0].Contains("internal error") && !lines[0].Contains("System.") && !lines[0].Contains("Exception")) refused++;
            else bad.Add($"{name}: exit {r.ExitCode}: {r.Error.Trim()}");
        }
        log.WriteLine($"{cases.Count} cases: {succeeded} succeeded, {refused} refused with one line");
        Assert.True(cases.Count >= 200, $"only {cases.Count} cases");
        Assert.True(bad.Count == 0, $"{bad.Count} of {cases.Count} cases did not end cleanly:\n{string.Join("\n", bad)}");
        // Both outcomes must be common, or the suite is not probing the edges.
        Assert.True(succeeded >= 50 && refused >= 150, $"{succeeded} succeeded, {refused} refused");
    }
}
