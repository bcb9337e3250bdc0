// MemoryEstimate: what a character-LM run will allocate, computed from its settings before anything is
// allocated, so that a configuration too large for the machine is refused with the estimate in the
// message instead of dying half-way in an out-of-memory crash.
namespace Engine.Training.Trainer;

/// <summary>What a character-LM run will allocate, from its settings alone.</summary>
public static class MemoryEstimate
{
    /// <summary>Bytes for parameters, gradients, optimizer state and the activations BPTT keeps.</summary>
    public static long Bytes(TrainConfig c, int vocabulary)
    {
        long gates = Models.CellKinds.Gates(c.CellKind);
        long h = c.Hidden, rows = (long)c.SequenceLength * c.Batch;
        long parameters = (long)vocabulary * c.Embedding + vocabulary * (h + 1);
        for (int l = 0; l < c.Layers; l++)
            parameters += gates * h * ((l == 0 ? c.Embedding : h) + h + 2);
        long optimizerStates = c.OptimizerSpec.StateTensors;
        // Per layer and time step: gates, their gradients and a second gate buffer (GRU), states, cells, outputs.
        long activations = rows * c.Layers * (3 * gates * h + 6 * h) + rows * (c.Embedding * 2 + vocabulary * 3);
        return 4 * (parameters * (2 + optimizerStates) + activations);
    }

    /// <summary>Throws with the estimate when it exceeds the memory this process may use.</summary>
    public static void Check(TrainConfig config, int vocabulary, long available)
    {
        long need = Bytes(config, vocabulary);
        if (need > available)
            throw new UserFacingException(
                $"this configuration needs about {need / 1073741824.0:F1} GiB ({config.Layers} x {config.Hidden} {config.Cell}, batch {config.Batch} x {config.SequenceLength}), more than the {available / 1073741824.0:F1} GiB available; reduce --hidden, --batch or --seq");
    }

    /// <summary>The memory this process may use, as the GC sees it (a container's limit included).</summary>
    public static long Available => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
}
