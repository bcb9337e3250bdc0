// Checksums catch what the safetensors format cannot: one flipped byte in any tensor's data, in turn
// in every tensor of a real checkpoint, is detected on resume and on sample, the damaged tensor is
// named, and nothing is written. A file without checksums (an older version's) still loads, with a note.
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Xunit;

namespace Engine.Tests.Reliability;

[Collection(ProgramCollection.Name)]
public class ChecksumTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("checksum").FullName;

    /// <summary>A 2-step LSTM checkpoint (parameters, Adam state, carried h and c).</summary>
    private static readonly Lazy<byte[]> Valid = new(() =>
    {
        string output = Path.Combine(Dir, "good");
        var r = ProgramRunner.Run("train", "--corpus", ProgramRunner.Corpus(Dir), "--hidden", "8", "--embedding", "4", "--seq", "8", "--batch", "2",
            "--steps", "2", "--val-chars", "100", "--out", output);
        Assert.True(r.ExitCode == 0, r.Error);
        return File.ReadAllBytes(Path.Combine(output, "checkpoint.safetensors"));
    });

    [Fact]
    public void A_flipped_byte_in_any_tensor_is_detected_and_named_and_nothing_is_written()
    {
        var valid = Valid.Value;
        var names = CheckpointSurgery.TensorNames(valid);
        Assert.True(names.Count >= 10, $"{names.Count} tensors"); // 2 LSTM layers, embedding, head, two Adam moments, h, c
        var rng = new Rng(19);
        foreach (var name in names)
        {
            var (begin, end) = CheckpointSurgery.DataRange(valid, name);
            var damaged = (byte[])valid.Clone();
            damaged[begin + rng.NextInt(end - begin)] ^= (byte)(1 << rng.NextInt(8));
            string file = Path.Combine(Dir, $"flipped-{name}.safetensors"), output = Path.Combine(Dir, $"out-{name}");
            File.WriteAllBytes(file, damaged);
            string expected = $"error: checkpoint '{file}' is damaged: tensor '{name}' fails its SHA-256 checksum: its data was changed after it was written\n";

            var resumed = ProgramRunner.Run("train", "--resume", file, "--steps", "3", "--out", output);
            Assert.Equal(1, resumed.ExitCode);
            Assert.Equal(expected, resumed.Error);
            Assert.Equal("", resumed.Output);
            Assert.False(Directory.Exists(output), "a refused resume creates nothing");

            var sampled = ProgramRunner.Run("sample", file, "--length", "5");
            Assert.Equal(1, sampled.ExitCode);
            Assert.Equal(expected, sampled.Error);
            Assert.Equal("", sampled.Output);
            Assert.Equal(damaged, File.ReadAllBytes(file));
        }
    }

    [Fact]
    public void A_file_without_checksums_loads_with_a_one_line_note()
    {
        var old = CheckpointSurgery.WithMetadata(Valid.Value, TensorChecksums.MetadataKey, null);
        string file = Path.Combine(Dir, "old.safetensors");
        File.WriteAllBytes(file, old);
        Assert.False(Checkpoint.Load(file).File.Verified);
        var r = ProgramRunner.Run("sample", file, "--length", "5", "--temperature", "0");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal($"note: checkpoint '{file}' has no tensor checksums (written by an older version); its tensor data is not verified\n", r.Error);
        Assert.Equal(5 + 1, r.Output.Length); // five characters and the line end
        Assert.True(Checkpoint.Load(Path.Combine(Dir, "good", "checkpoint.safetensors")).File.Verified);
    }
}
