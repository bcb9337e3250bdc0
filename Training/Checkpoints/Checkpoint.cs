// Checkpoint: everything a run needs to continue bit for bit, in one safetensors file. Parameters sit
// under their PyTorch names (so safetensors.torch.load_file gives PyTorch a state dict, after dropping
// keys starting with "optimizer." and "state."); optimizer state tensors under "optimizer.<name>"; the
// carried hidden state under "state.h" / "state.c"; config, vocabulary, step, clip state, batch
// position and RNG state in the metadata.
namespace Engine.Training.Checkpoints;

public sealed class Checkpoint
{
    public const string Format = "engine-checkpoint-1";
    public const string OptimizerPrefix = "optimizer.";
    public const string StatePrefix = "state.";

    public required SafeTensorsFile File { get; init; }

    public IReadOnlyDictionary<string, string> Metadata => File.Metadata;

    public string Meta(string key) => Metadata.TryGetValue(key, out var v)
        ? v
        : throw new SafeTensorsException($"the checkpoint has no '{key}' entry (is it an Engine checkpoint?)");

    public static Checkpoint Load(string path)
    {
        var file = SafeTensorsFile.Load(path);
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            throw new SafeTensorsException($"checkpoint '{path}' is a safetensors file but not an Engine checkpoint (format '{format ?? "missing"}')");
        return new Checkpoint { File = file };
    }

    /// <summary>Copies the named tensor into target, checking its shape (a checkpoint of another model shape fails here).</summary>
    public void Restore(string name, Tensor target)
    {
        var t = File[name];
        if (t.Data.Length != target.Length || (t.Shape.Length == target.Rank && !ShapeOf.Same(t.Shape, target.Shape)))
            throw new SafeTensorsException($"checkpoint tensor '{name}' has shape {ShapeOf.Format(t.Shape)}, this model needs {ShapeOf.Format(target.Shape)}");
        foreach (float v in t.Data)
            if (!float.IsFinite(v)) throw new SafeTensorsException($"checkpoint tensor '{name}' holds NaN or infinite values");
        target.Backend.Upload(t.Data, target);
    }

    /// <summary>Parameters of a store as named tensors.</summary>
    public static IEnumerable<NamedTensor> Parameters(ParameterStore store)
        => store.All.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.ToArray()));
}
