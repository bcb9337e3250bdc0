// Checkpoint: everything a run needs to continue bit for bit, in one safetensors file. Parameters sit
// under their PyTorch names (so safetensors.torch.load_file gives PyTorch a state dict, after dropping
// keys starting with "optimizer." and "state."); optimizer state tensors under "optimizer.<name>"; the
// carried hidden state under "state.h" / "state.c"; config, vocabulary, step, clip state, batch
// position and RNG state in the metadata. Every damaged field is reported naming the file and field.
using System.Globalization;

namespace Engine.Training.Checkpoints;

public sealed class Checkpoint
{
    public const string Format = "engine-checkpoint-1";
    public const string OptimizerPrefix = "optimizer.";
    public const string StatePrefix = "state.";

    /// <summary>The file it was read from (or will be written to), for messages.</summary>
    public required string Path { get; init; }

    public required SafeTensorsFile File { get; init; }

    public IReadOnlyDictionary<string, string> Metadata => File.Metadata;

    /// <summary>A one-line note for the user when the file predates tensor checksums (null when verified).</summary>
    public string? Note => File.Verified ? null : $"checkpoint '{Path}' has no tensor checksums (written by an older version); its tensor data is not verified";

    /// <summary>The failure for a damaged field, naming this file.</summary>
    public SafeTensorsException Damaged(string what) => new($"checkpoint '{Path}' is damaged: {what}");

    public string Meta(string key) => Metadata.TryGetValue(key, out var v)
        ? v
        : throw Damaged($"it has no '{key}' entry");

    /// <summary>A count (0 to int.MaxValue) stored under key.</summary>
    public int Count(string key) => int.TryParse(Meta(key), NumberStyles.None, CultureInfo.InvariantCulture, out int v)
        ? v
        : throw Damaged($"field '{key}' is not a count ('{Shorten(Meta(key))}')");

    /// <summary>An optional finite number stored under key.</summary>
    public double? Number(string key)
    {
        if (!Metadata.TryGetValue(key, out var text)) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw Damaged($"field '{key}' is not a finite number ('{Shorten(text)}')");
    }

    public static Checkpoint Load(string path)
    {
        var file = SafeTensorsFile.Load(path);
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            throw new SafeTensorsException($"checkpoint '{path}' is a safetensors file but not an Engine checkpoint (format '{Shorten(format ?? "missing")}')");
        return new Checkpoint { Path = path, File = file };
    }

    /// <summary>The checkpoint a run directory resumes from, or the file itself.</summary>
    public static string Resolve(string fileOrDirectory)
    {
        if (!Directory.Exists(fileOrDirectory)) return fileOrDirectory;
        string path = System.IO.Path.Combine(fileOrDirectory, "checkpoint.safetensors");
        return System.IO.File.Exists(path) ? path : throw new SafeTensorsException($"run directory '{fileOrDirectory}' holds no checkpoint.safetensors");
    }

    /// <summary>The tensor name must exist with exactly this shape (checked before any model is built).</summary>
    public void RequireShape(string name, int[] shape)
    {
        if (!File.Has(name)) throw Damaged($"it has no tensor '{name}'");
        var t = File[name];
        if (!ShapeOf.Same(t.Shape, shape))
            throw new SafeTensorsException($"checkpoint '{Path}': tensor '{name}' has shape {ShapeOf.Format(t.Shape)}, its config's model needs {ShapeOf.Format(shape)}");
    }

    /// <summary>Copies the named tensor into target, checking its shape (a checkpoint of another model shape fails here).</summary>
    public void Restore(string name, Tensor target)
    {
        if (!File.Has(name)) throw Damaged($"it has no tensor '{name}'");
        var t = File[name];
        if (t.Data.Length != target.Length || (t.Shape.Length == target.Rank && !ShapeOf.Same(t.Shape, target.Shape)))
            throw new SafeTensorsException($"checkpoint '{Path}': tensor '{name}' has shape {ShapeOf.Format(t.Shape)}, this model needs {ShapeOf.Format(target.Shape)}");
        foreach (float v in t.Data)
            if (!float.IsFinite(v)) throw Damaged($"tensor '{name}' holds NaN or infinite values");
        target.Backend.Upload(t.Data, target);
    }

    /// <summary>Parameters of a store as named tensors.</summary>
    public static IEnumerable<NamedTensor> Parameters(ParameterStore store)
        => store.All.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.ToArray()));

    /// <summary>A field's text cut for a message, so a damaged megabyte-long field stays one short line.</summary>
    public static string Shorten(string text)
    {
        string flat = text.ReplaceLineEndings(" ");
        return flat.Length <= 40 ? flat : flat[..40] + "...";
    }
}
