// MetricsReader: reads a run's metrics.jsonl (as `train` and `compare` write it) back into a RunRecord,
// so finished runs can be judged and drawn after the fact. Lines of a resumed run that repeat steps
// replace the earlier ones, as the resumed training did.
using System.Globalization;
using System.Text.Json;

namespace Engine.Training.Experiments;

public static class MetricsReader
{
    /// <summary>Reads path (a metrics.jsonl file, or a run directory holding one) as a run named name, judged by Verdicts.</summary>
    public static RunRecord Read(string path, string name)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, "metrics.jsonl") : path;
        if (!File.Exists(file)) throw new UserFacingException($"'{path}' holds no metrics.jsonl (give a run directory of `train` or its metrics.jsonl)");
        string clip = "?";
        ulong seed = 0;
        int? taskSteps = null;
        string? task = null;
        double? accuracy = null;
        bool? solved = null;
        var steps = new List<StepRecord>();
        var hidden = new List<HiddenNormSample>();
        var lines = File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int lineNumber = i + 1;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement e;
            try { e = JsonDocument.Parse(line).RootElement; }
            catch (JsonException) when (i > 0 && i == lines.Length - 1) { break; } // a run killed mid-line leaves its last line cut short
            catch (JsonException) { throw new UserFacingException($"{file}: line {lineNumber} is not JSON"); }
            if (e.TryGetProperty("event", out var ev))
            {
                if (ev.GetString() == "config" && e.TryGetProperty("config", out var config))
                {
                    clip = config.GetProperty("clip").GetString() ?? "?";
                    seed = config.GetProperty("seed").GetUInt64();
                    if (e.TryGetProperty("task_steps", out var t) && t.ValueKind == JsonValueKind.Number) taskSteps = t.GetInt32();
                    if (e.TryGetProperty("task", out var k) && k.ValueKind == JsonValueKind.String) task = k.GetString();
                }
                else if (ev.GetString() == "end") // a synthetic task's run ends with its accuracy on fresh sequences
                {
                    accuracy = Number(e, "accuracy");
                    if (e.TryGetProperty("solved", out var sv) && sv.ValueKind is JsonValueKind.True or JsonValueKind.False) solved = sv.GetBoolean();
                }
                continue;
            }
            int step = e.GetProperty("step").GetInt32();
            steps.RemoveAll(s => s.Step >= step);
            hidden.RemoveAll(s => s.Step >= step);
            steps.Add(new StepRecord(step, Number(e, "loss")!.Value, Number(e, "validation_loss"), Number(e, "pre_clip_norm")!.Value,
                Number(e, "post_clip_norm")!.Value, Number(e, "scale")!.Value, e.GetProperty("clipped").GetBoolean(), e.GetProperty("skipped").GetBoolean(),
                Number(e, "threshold"), Number(e, "lr")!.Value, Number(e, "tokens_per_s") ?? 0, Number(e, "seconds")));
            if (e.TryGetProperty("hidden_grad_norms", out var norms) && norms.ValueKind == JsonValueKind.Array)
                hidden.Add(new HiddenNormSample(step, norms.EnumerateArray().Select(layer => layer.EnumerateArray().Select(Value).ToArray()).ToArray()));
        }
        if (steps.Count == 0) throw new UserFacingException($"{file} records no training step");
        var synthetic = task is not null && taskSteps is { } length ? Tasks.SyntheticTask.Create(task, length) : null;
        var run = new RunRecord
        {
            Name = name, Clip = clip, Seed = seed, Series = name, TaskSteps = taskSteps, LossAtLastStep = synthetic is { HeadAtEveryStep: false },
            Loss = RunRecord.LossOf(synthetic), Accuracy = accuracy, Solved = solved,
        };
        run.Steps.AddRange(steps);
        run.HiddenNorms.AddRange(hidden);
        run.FinalValidationLoss = steps.LastOrDefault(s => s.ValidationLoss is not null)?.ValidationLoss;
        run.Seconds = steps[^1].Seconds ?? 0; // files written before the clock was kept have none
        Verdicts.Assess(run);
        return run;
    }

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? Value(v) : null;

    /// <summary>A number, or one of the strings NaN, Infinity, -Infinity that metrics.jsonl writes for non-finite values.</summary>
    private static double Value(JsonElement v) => v.ValueKind == JsonValueKind.String
        ? double.Parse(v.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
        : v.GetDouble();
}
