// SafeTensors: reads and writes the safetensors format (8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw little-endian data), so
// PyTorch can load our checkpoints with safetensors.torch.load_file. Only F32 tensors are written.
// The reader trusts nothing: every length and offset is checked, and damage is a SafeTensorsException.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engine.Training.Checkpoints;

public sealed class SafeTensorsException(string message) : UserFacingException(message);

public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

public sealed class SafeTensorsFile
{
    /// <summary>The format caps the header at 100 MB; we refuse larger ones before allocating.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public required IReadOnlyList<NamedTensor> Tensors { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public NamedTensor this[string name] => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new SafeTensorsException($"the checkpoint has no tensor '{name}'");

    public bool Has(string name) => Tensors.Any(t => t.Name == name);

    public void WriteTo(Stream stream)
    {
        var header = new JsonObject();
        var meta = new JsonObject();
        foreach (var (k, v) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) meta[k] = v;
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
        foreach (var t in Tensors)
        {
            if (BitConverter.IsLittleEndian) stream.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            else foreach (float f in t.Data) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, f); stream.Write(b); }
        }
    }

    public static SafeTensorsFile Read(byte[] bytes)
    {
        if (bytes.Length < 8) throw new SafeTensorsException($"file is {bytes.Length} bytes, too short for a safetensors header");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(bytes.Length - 8))
            throw new SafeTensorsException($"header length {headerLength} does not fit in a file of {bytes.Length} bytes");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength))?.AsObject()
                ?? throw new SafeTensorsException("the header is JSON null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or DecoderFallbackException)
        {
            throw new SafeTensorsException($"the header is not a JSON object ({e.Message.Split('\n')[0]})");
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<(long Begin, NamedTensor Tensor)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is not JsonObject m) throw new SafeTensorsException("__metadata__ is not an object");
                foreach (var (k, v) in m)
                    metadata[k] = v is JsonValue jv && jv.TryGetValue(out string? s) ? s
                        : throw new SafeTensorsException($"metadata '{k}' is not a string");
                continue;
            }
            tensors.Add(ReadTensor(name, node, bytes, dataStart, dataLength));
        }
        // The format requires the byte ranges to tile the data exactly, with no holes or overlaps.
        long expected = 0;
        foreach (var (begin, t) in tensors.OrderBy(x => x.Begin))
        {
            if (begin != expected) throw new SafeTensorsException($"tensor '{t.Name}' starts at byte {begin}, expected {expected}: the data is not contiguous");
            expected = begin + 4L * t.Data.Length;
        }
        if (expected != dataLength) throw new SafeTensorsException($"the tensors cover {expected} bytes but the file holds {dataLength} bytes of data");
        return new SafeTensorsFile { Tensors = tensors.Select(x => x.Tensor).ToList(), Metadata = metadata };
    }

    private static (long, NamedTensor) ReadTensor(string name, JsonNode? node, byte[] bytes, long dataStart, long dataLength)
    {
        try
        {
            var o = node!.AsObject();
            string dtype = o["dtype"]!.GetValue<string>();
            if (dtype != "F32") throw new SafeTensorsException($"tensor '{name}' has dtype {dtype}; only F32 is supported");
            var shape = o["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            var offsets = o["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            if (offsets.Length != 2) throw new SafeTensorsException($"tensor '{name}' needs two data_offsets");
            long begin = offsets[0], end = offsets[1];
            int count = ShapeOf.Numel(shape);
            if (begin < 0 || end < begin || end > dataLength || end - begin != 4L * count)
                throw new SafeTensorsException($"tensor '{name}' has byte range [{begin}, {end}) that does not match shape {ShapeOf.Format(shape)} inside {dataLength} data bytes");
            var data = new float[count];
            MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(dataStart + begin), 4 * count)).CopyTo(data);
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin) + 4 * i));
            return (begin, new NamedTensor(name, shape, data));
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or ArgumentException or OverflowException)
        {
            throw new SafeTensorsException($"tensor '{name}' has a malformed header entry");
        }
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
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafeTensorsException(e is FileNotFoundException or DirectoryNotFoundException
                ? $"checkpoint '{path}' does not exist"
                : $"checkpoint '{path}' cannot be read: {e.Message}");
        }
        try { return Read(bytes); }
        catch (SafeTensorsException e) { throw new SafeTensorsException($"checkpoint '{path}' is damaged: {e.Message}"); }
    }
}
