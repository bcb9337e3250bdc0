// SafeTensors: reads and writes the safetensors format (8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw little-endian data), so
// PyTorch can load our checkpoints with safetensors.torch.load_file. Only F32 tensors are written.
// The reader trusts nothing: every length and offset is checked, every tensor's SHA-256 (written in the
// metadata) is verified, and damage is a SafeTensorsException.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Training.Data;

namespace Engine.Training.Checkpoints;

public sealed class SafeTensorsException(string message) : UserFacingException(message);

public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

public sealed class SafeTensorsFile
{
    /// <summary>The format caps the header at 100 MB; we refuse larger ones before allocating.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The largest file read whole: the longest byte array .NET allows.</summary>
    public const long MaxFileBytes = 2_147_483_591;

    public required IReadOnlyList<NamedTensor> Tensors { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Whether loading checked every tensor against recorded checksums (false: an older file without them).</summary>
    public bool Verified { get; init; }

    public NamedTensor this[string name] => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new SafeTensorsException($"the checkpoint has no tensor '{name}'");

    public bool Has(string name) => Tensors.Any(t => t.Name == name);

    public void WriteTo(Stream stream)
    {
        var header = new JsonObject();
        var meta = new JsonObject();
        var withChecksums = new Dictionary<string, string>(Metadata, StringComparer.Ordinal) { [TensorChecksums.MetadataKey] = TensorChecksums.Describe(Tensors) };
        foreach (var (k, v) in withChecksums.OrderBy(kv => kv.Key, StringComparer.Ordinal)) meta[k] = v;
        header["__metadata__"] = meta;
        long offset = 0;
        foreach (var t in Tensors)
        {
            if (t.Data.Length != ShapeOf.Numel(t.Shape))
                throw new ArgumentException($"tensor '{t.Name}' has {t.Data.Length} values for shape {ShapeOf.Format(t.Shape)}");
            long end = offset + 4L * t.Data.Length;
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header with spaces to a multiple of 8 so the data that follows is aligned.
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        Span<byte> b = stackalloc byte[4];
        foreach (var t in Tensors)
        {
            if (BitConverter.IsLittleEndian) stream.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            else foreach (float f in t.Data) { BinaryPrimitives.WriteSingleLittleEndian(b, f); stream.Write(b); }
        }
    }

    public static SafeTensorsFile Read(byte[] bytes)
    {
        if (bytes.Length < 8) throw new SafeTensorsException($"file is {bytes.Length} bytes, too short for a safetensors header");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(bytes.Length - 8))
            throw new SafeTensorsException($"header length {headerLength} does not fit in a file of {bytes.Length} bytes");
        try { return Read(bytes, (int)headerLength); }
        catch (InvalidOperationException)
        {
            // The JSON reader's refusal of an escape that decodes to invalid UTF-16 (a lone surrogate).
            throw new SafeTensorsException("the header holds a string that is not valid Unicode");
        }
    }

    private static SafeTensorsFile Read(byte[] bytes, int headerLength)
    {
        using var header = ParseHeader(bytes.AsMemory(8, headerLength));
        long dataStart = 8L + headerLength;
        long dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<(long Begin, NamedTensor Tensor)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (!seen.Add(entry.Name)) throw new SafeTensorsException($"the header names '{entry.Name}' twice");
            if (entry.Name == "__metadata__")
            {
                if (entry.Value.ValueKind != JsonValueKind.Object) throw new SafeTensorsException("__metadata__ is not an object");
                foreach (var m in entry.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw new SafeTensorsException($"metadata '{m.Name}' is not a string");
                    if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw new SafeTensorsException($"metadata '{m.Name}' appears twice");
                }
                continue;
            }
            tensors.Add(ReadTensor(entry.Name, entry.Value, bytes, dataStart, dataLength));
        }
        // The format requires the byte ranges to tile the data exactly, with no holes or overlaps.
        long expected = 0;
        var inOrder = tensors.OrderBy(x => x.Begin).ToList();
        foreach (var (begin, t) in inOrder)
        {
            if (begin != expected) throw new SafeTensorsException($"tensor '{t.Name}' starts at byte {begin}, expected {expected}: the data is not contiguous");
            expected = begin + 4L * t.Data.Length;
        }
        if (expected != dataLength) throw new SafeTensorsException($"the tensors cover {expected} bytes but the file holds {dataLength} bytes of data");
        bool verified = TensorChecksums.Verify(metadata, inOrder.Select(x => x.Tensor));
        return new SafeTensorsFile { Tensors = tensors.Select(x => x.Tensor).ToList(), Metadata = metadata, Verified = verified };
    }

    private static JsonDocument ParseHeader(ReadOnlyMemory<byte> json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json.Span)) throw new SafeTensorsException("the header is not a JSON object: it is not UTF-8 text");
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e)
        {
            throw new SafeTensorsException($"the header is not a JSON object: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new SafeTensorsException($"the header is a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object");
        }
        return document;
    }

    private static (long, NamedTensor) ReadTensor(string name, JsonElement entry, byte[] bytes, long dataStart, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new SafeTensorsException($"tensor '{name}' has a header entry that is not an object");
        string dtype = entry.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()!
            : throw new SafeTensorsException($"tensor '{name}' has no dtype string");
        if (dtype != "F32") throw new SafeTensorsException($"tensor '{name}' has dtype {dtype}; only F32 is supported");
        var shape = Integers(name, entry, "shape", v => v.TryGetInt32(out int n) && n >= 0 ? n : (int?)null);
        var offsets = Integers(name, entry, "data_offsets", v => v.TryGetInt64(out long n) && n >= 0 ? n : (long?)null);
        if (offsets.Length != 2) throw new SafeTensorsException($"tensor '{name}' needs two data_offsets");
        long elements = 1;
        foreach (int dim in shape)
            if ((elements *= dim) > int.MaxValue) throw new SafeTensorsException($"tensor '{name}' has shape {ShapeOf.Format(shape)}, more than {int.MaxValue} elements");
        long begin = offsets[0], end = offsets[1];
        int count = (int)elements;
        if (begin < 0 || end < begin || end > dataLength || end - begin != 4L * count)
            throw new SafeTensorsException($"tensor '{name}' has byte range [{begin}, {end}) that does not match shape {ShapeOf.Format(shape)} inside {dataLength} data bytes");
        var data = new float[count];
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(dataStart + begin), 4 * count)).CopyTo(data);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin) + 4 * i));
        return (begin, new NamedTensor(name, shape, data));
    }

    /// <summary>An array of non-negative integers under key, each read by parse (null: not acceptable).</summary>
    private static T[] Integers<T>(string name, JsonElement entry, string key, Func<JsonElement, T?> parse) where T : struct
    {
        if (!entry.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsException($"tensor '{name}' has no {key} array");
        var values = new List<T>();
        foreach (var v in array.EnumerateArray())
            values.Add(v.ValueKind == JsonValueKind.Number && parse(v) is { } n ? n
                : throw new SafeTensorsException($"tensor '{name}' has a {key} entry that is not a non-negative integer"));
        return values.ToArray();
    }

    /// <summary>
    /// Writes atomically: a temporary file beside the target, flushed to disk, then renamed over it.
    /// A crash at any moment leaves either the old file or the new one, never a torn one.
    /// </summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteTo(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    public static SafeTensorsFile Load(string path)
    {
        byte[] bytes = BoundedFile.Read(path, "checkpoint", MaxFileBytes, message => new SafeTensorsException(message));
        try { return Read(bytes); }
        catch (SafeTensorsException e) { throw new SafeTensorsException($"checkpoint '{path}' is damaged: {e.Message}"); }
    }
}
