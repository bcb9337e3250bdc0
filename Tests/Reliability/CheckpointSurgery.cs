// CheckpointSurgery: damages a safetensors checkpoint on purpose, for the tests of what loading does
// with damage: the header JSON edited in place (metadata fields, tensor entries) with the length
// prefix and padding kept valid, and the byte range of each tensor's data for flipping bytes in it.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Engine.Tests.Reliability;

public static class CheckpointSurgery
{
    public static (string Header, byte[] Data) Split(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (Encoding.UTF8.GetString(file, 8, length), file[(8 + length)..]);
    }

    public static byte[] Join(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        int padded = (json.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        json.CopyTo(file, 8);
        for (int i = json.Length; i < padded; i++) file[8 + i] = (byte)' ';
        data.CopyTo(file, 8 + padded);
        return file;
    }

    /// <summary>The file with its header text replaced by edit(header).</summary>
    public static byte[] EditHeader(byte[] file, Func<string, string> edit)
    {
        var (header, data) = Split(file);
        return Join(edit(header.TrimEnd(' ')), data);
    }

    /// <summary>The file with its header's JSON object changed by edit.</summary>
    public static byte[] EditJson(byte[] file, Action<JsonObject> edit) => EditHeader(file, h =>
    {
        var root = JsonNode.Parse(h)!.AsObject();
        edit(root);
        return root.ToJsonString();
    });

    /// <summary>The file with metadata key set to value (removed when value is null).</summary>
    public static byte[] WithMetadata(byte[] file, string key, string? value) => EditJson(file, root =>
    {
        var meta = root["__metadata__"]!.AsObject();
        if (value is null) meta.Remove(key);
        else meta[key] = value;
    });

    public static IReadOnlyList<string> TensorNames(byte[] file)
        => JsonNode.Parse(Split(file).Header)!.AsObject().Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();

    /// <summary>The absolute byte range [begin, end) of a tensor's data in the file.</summary>
    public static (int Begin, int End) DataRange(byte[] file, string tensor)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var offsets = JsonNode.Parse(Split(file).Header)![tensor]!["data_offsets"]!.AsArray();
        return (8 + length + offsets[0]!.GetValue<int>(), 8 + length + offsets[1]!.GetValue<int>());
    }
}
