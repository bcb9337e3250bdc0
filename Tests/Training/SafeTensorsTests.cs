// The safetensors reader and writer: the format's rules (header length, JSON header, offsets) and damage detection.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Engine.Training.Checkpoints;
using Xunit;

namespace Engine.Tests.Training;

public class SafeTensorsTests
{
    private static SafeTensorsFile Sample() => new()
    {
        Tensors = [new NamedTensor("lstm.weight_hh_l0", [2, 3], [1, 2, 3, 4, 5, float.NaN]), new NamedTensor("head.bias", [2], [-1.5f, 0.25f])],
        Metadata = new Dictionary<string, string> { ["step"] = "7", ["vocab"] = "ab\n" },
    };

    private static byte[] Bytes(SafeTensorsFile f)
    {
        using var ms = new MemoryStream();
        f.WriteTo(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Layout_follows_the_format()
    {
        var bytes = Bytes(Sample());
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8); // header padded to 8 bytes
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!.AsObject();
        Assert.Equal("F32", header["lstm.weight_hh_l0"]!["dtype"]!.GetValue<string>());
        Assert.Equal("[0,24]", header["lstm.weight_hh_l0"]!["data_offsets"]!.ToJsonString());
        Assert.Equal("[24,32]", header["head.bias"]!["data_offsets"]!.ToJsonString());
        Assert.Equal("7", header["__metadata__"]!["step"]!.GetValue<string>());
        Assert.Equal(8 + (int)n + 32, bytes.Length);
        Assert.Equal(-1.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)n + 24)));
    }

    [Fact]
    public void Round_trip_is_exact()
    {
        var back = SafeTensorsFile.Read(Bytes(Sample()));
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, float.NaN }, back["lstm.weight_hh_l0"].Data);
        Assert.Equal(new[] { 2, 3 }, back["lstm.weight_hh_l0"].Shape);
        Assert.Equal("ab\n", back.Metadata["vocab"]);
    }

    [Fact]
    public void Damage_is_reported_not_thrown_raw()
    {
        var good = Bytes(Sample());
        Assert.Contains("too short", Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Read(good[..5])).Message);
        Assert.Contains("does not fit", Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Read(good[..40])).Message);
        Assert.Contains("byte range [24, 32)", Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Read(good[..^4])).Message);
        Assert.Contains("file holds 36 bytes", Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Read([.. good, 0, 0, 0, 0])).Message);
        var corrupt = (byte[])good.Clone();
        corrupt[9] = (byte)'#';
        Assert.Contains("not a JSON object", Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Read(corrupt)).Message);
    }

    [Fact]
    public void Atomic_save_leaves_no_temporary_file()
    {
        string dir = Directory.CreateTempSubdirectory("st").FullName;
        string path = Path.Combine(dir, "model.safetensors");
        Sample().Save(path);
        Sample().Save(path);
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        Assert.Equal(2, SafeTensorsFile.Load(path).Tensors.Count);
        Directory.Delete(dir, true);
    }
}
