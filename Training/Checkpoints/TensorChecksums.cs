// TensorChecksums: a SHA-256 digest of each tensor's raw bytes, kept in the safetensors metadata under
// one key, so that a flipped bit in tensor data (which the format itself cannot notice) is caught on
// load and the first damaged tensor is named. Files written before checksums existed have no such key.
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Engine.Training.Checkpoints;

public static class TensorChecksums
{
    /// <summary>The metadata key holding a JSON object of tensor name to lowercase hex SHA-256.</summary>
    public const string MetadataKey = "checksums_sha256";

    public static string Of(float[] data)
    {
        // Little-endian bytes are what the file holds; big-endian machines are not a target of this format.
        return Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(data.AsSpan())));
    }

    /// <summary>The metadata value for a set of tensors.</summary>
    public static string Describe(IEnumerable<NamedTensor> tensors)
        => JsonSerializer.Serialize(tensors.ToDictionary(t => t.Name, t => Of(t.Data), StringComparer.Ordinal));

    /// <summary>
    /// Checks every tensor (in the order given: the file's data order) against the recorded digests and
    /// throws naming the first one that differs. Returns false when the file records no checksums.
    /// </summary>
    public static bool Verify(IReadOnlyDictionary<string, string> metadata, IEnumerable<NamedTensor> tensors)
    {
        if (!metadata.TryGetValue(MetadataKey, out var json)) return false;
        Dictionary<string, string>? recorded;
        try { recorded = JsonSerializer.Deserialize<Dictionary<string, string>>(json); }
        catch (JsonException) { recorded = null; }
        if (recorded is null) throw new SafeTensorsException($"metadata '{MetadataKey}' is not a JSON object of tensor names to digests");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            names.Add(t.Name);
            if (!recorded.TryGetValue(t.Name, out var digest))
                throw new SafeTensorsException($"tensor '{t.Name}' has no checksum in metadata '{MetadataKey}'");
            if (!string.Equals(digest, Of(t.Data), StringComparison.Ordinal))
                throw new SafeTensorsException($"tensor '{t.Name}' fails its SHA-256 checksum: its data was changed after it was written");
        }
        foreach (var name in recorded.Keys)
            if (!names.Contains(name)) throw new SafeTensorsException($"metadata '{MetadataKey}' names a tensor '{name}' that the file does not hold");
        return true;
    }
}
