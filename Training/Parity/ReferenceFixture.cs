// ReferenceFixture: reads one PyTorch reference case (the JSON format of Tests/Fixtures/README.md):
// a case name, a free-form config and named float32 tensors. Non-finite values arrive as the
// strings "NaN", "Infinity", "-Infinity". Every malformed part is reported naming the file and the key.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Training.Data;

namespace Engine.Training.Parity;

public sealed record FixtureTensor(int[] Shape, float[] Data);

public sealed class ReferenceFixture
{
    /// <summary>Fixtures are a few MB at most; anything larger is not one.</summary>
    public const long MaxBytes = 256L << 20;

    public required string Case { get; init; }
    public required JsonObject Config { get; init; }
    public required IReadOnlyDictionary<string, FixtureTensor> Tensors { get; init; }

    /// <summary>Where it was read from, for messages ("(text)" when parsed from a string).</summary>
    public string Source { get; init; } = "(text)";

    public FixtureTensor this[string name] => Tensors.TryGetValue(name, out var t)
        ? t
        : throw new FixtureException($"fixture '{Source}' (case '{Case}') has no tensor '{name}'");

    /// <summary>Token ids are stored as floats; this returns them as ints.</summary>
    public int[] Ids(string name) => this[name].Data.Select(v => (int)v).ToArray();

    public int Int(string key) => Config[key] is JsonValue v && v.TryGetValue(out int n)
        ? n
        : throw new FixtureException($"fixture '{Source}' (case '{Case}') has no integer config entry '{key}'");

    public string[] Names(string key) => Config[key] switch
    {
        null => [],
        JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s
            : throw new FixtureException($"fixture '{Source}' (case '{Case}') config entry '{key}' holds something other than names")).ToArray(),
        _ => throw new FixtureException($"fixture '{Source}' (case '{Case}') config entry '{key}' is not a list of names"),
    };

    public static ReferenceFixture Load(string path)
    {
        byte[] bytes = BoundedFile.Read(path, "fixture", MaxBytes, message => new FixtureException(message));
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException) { throw new FixtureException($"fixture '{path}' is not UTF-8 text"); }
        try { return Parse(text, path); }
        catch (JsonException e)
        {
            throw new FixtureException($"fixture '{path}' is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
    }

    public static ReferenceFixture Parse(string json, string source = "(text)")
    {
        FixtureException Bad(string what) => new($"fixture '{source}' is not a reference fixture: {what}");
        var root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
            ?? throw Bad("the document is not a JSON object");
        string name = root["case"] is JsonValue c && c.TryGetValue(out string? s) ? s : throw Bad("it has no 'case' string");
        if (root["tensors"] is not JsonObject entries) throw Bad("it has no 'tensors' object");
        var tensors = new Dictionary<string, FixtureTensor>(StringComparer.Ordinal);
        foreach (var (tensor, node) in entries)
        {
            if (node is not JsonObject o || o["shape"] is not JsonArray shapeArray || o["data"] is not JsonArray dataArray)
                throw Bad($"tensor '{tensor}' needs a 'shape' and a 'data' array");
            var shape = shapeArray.Select(d => d is JsonValue v && v.TryGetValue(out int n) && n >= 0 ? n : throw Bad($"tensor '{tensor}' has a shape entry that is not a non-negative integer")).ToArray();
            var data = dataArray.Select(v => ReadFloat(v) ?? throw Bad($"tensor '{tensor}' has a value that is neither a number nor NaN/Infinity/-Infinity")).ToArray();
            long count = shape.Aggregate(1L, (a, d) => a * d);
            if (data.Length != count) throw Bad($"tensor '{tensor}' has {data.Length} values for shape {ShapeOf.Format(shape)}");
            tensors[tensor] = new FixtureTensor(shape, data);
        }
        if (root["config"] is { } config && config is not JsonObject) throw Bad("its 'config' is not an object");
        return new ReferenceFixture { Case = name, Config = root["config"]?.AsObject() ?? new JsonObject(), Tensors = tensors, Source = source };
    }

    private static float? ReadFloat(JsonNode? n)
    {
        if (n is not JsonValue v) return null;
        if (v.TryGetValue(out string? s))
            return s switch
            {
                "NaN" => float.NaN,
                "Infinity" => float.PositiveInfinity,
                "-Infinity" => float.NegativeInfinity,
                _ => null,
            };
        return v.TryGetValue(out double d) ? (float)d : null;
    }
}

public sealed class FixtureException(string message) : UserFacingException(message);
