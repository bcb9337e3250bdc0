// ReferenceFixture: reads one PyTorch reference case (the JSON format of Tests/Fixtures/README.md):
// a case name, a free-form config and named float32 tensors. Non-finite values arrive as the
// strings "NaN", "Infinity", "-Infinity".
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engine.Training.Parity;

public sealed record FixtureTensor(int[] Shape, float[] Data);

public sealed class ReferenceFixture
{
    public required string Case { get; init; }
    public required JsonObject Config { get; init; }
    public required IReadOnlyDictionary<string, FixtureTensor> Tensors { get; init; }

    public FixtureTensor this[string name] => Tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"fixture '{Case}' has no tensor '{name}'");

    /// <summary>Token ids are stored as floats; this returns them as ints.</summary>
    public int[] Ids(string name) => this[name].Data.Select(v => (int)v).ToArray();

    public int Int(string key) => Config[key]?.GetValue<int>() ?? throw new KeyNotFoundException($"fixture '{Case}' config has no '{key}'");

    public string[] Names(string key) => Config[key] is JsonArray a
        ? a.Select(n => n!.GetValue<string>()).ToArray()
        : [];

    public static ReferenceFixture Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FixtureException($"cannot read fixture '{path}': {e.Message}");
        }
        try { return Parse(text); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or NullReferenceException)
        {
            throw new FixtureException($"'{path}' is not a reference fixture: {e.Message}");
        }
    }

    public static ReferenceFixture Parse(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("empty document");
        var tensors = new Dictionary<string, FixtureTensor>(StringComparer.Ordinal);
        foreach (var (name, node) in root["tensors"]!.AsObject())
        {
            var shape = node!["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            var data = node["data"]!.AsArray().Select(ReadFloat).ToArray();
            if (data.Length != ShapeOf.Numel(shape))
                throw new FormatException($"tensor '{name}' has {data.Length} values for shape {ShapeOf.Format(shape)}");
            tensors[name] = new FixtureTensor(shape, data);
        }
        return new ReferenceFixture
        {
            Case = root["case"]!.GetValue<string>(),
            Config = root["config"]?.AsObject() ?? new JsonObject(),
            Tensors = tensors,
        };
    }

    private static float ReadFloat(JsonNode? n)
    {
        var v = n!.AsValue();
        if (v.TryGetValue(out string? s))
            return s switch
            {
                "NaN" => float.NaN,
                "Infinity" => float.PositiveInfinity,
                "-Infinity" => float.NegativeInfinity,
                _ => throw new FormatException($"'{s}' is not a number"),
            };
        return (float)v.GetValue<double>();
    }
}

public sealed class FixtureException(string message) : UserFacingException(message);
