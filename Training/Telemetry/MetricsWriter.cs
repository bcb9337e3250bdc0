// MetricsWriter: metrics.jsonl, one JSON object per line, flushed line by line so a killed run keeps
// every step it finished. The first line of a fresh file is the config that produced the run.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Training.Telemetry;

public sealed class MetricsWriter : IDisposable
{
    public static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly StreamWriter writer;

    /// <summary>Opens path for appending (a resumed run continues the same file).</summary>
    public MetricsWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    public void Write<T>(T record) => writer.WriteLine(JsonSerializer.Serialize(record, Json));

    public void Dispose() => writer.Dispose();
}
