// MemoryEstimate: what a character-LM run will allocate, computed from its settings before anything is
// allocated, so that a configuration too large for the machine is refused with the estimate in the
// message instead of dying half-way in an out-of-memory crash. The arithmetic is in double, so no
// setting, however large, can wrap it around to a small or negative number.
using System.Globalization;
using Engine.Models;

namespace Engine.Training.Trainer;

/// <summary>What a character-LM run will allocate, from its settings alone.</summary>
public static class MemoryEstimate
{
    /// <summary>All parameters live in one tensor, whose length is a 32-bit count.</summary>
    public const long MaxParameters = int.MaxValue;

    /// <summary>Parameters of the model: embedding, every layer's gates, and the head.</summary>
    public static double Parameters(TrainConfig c, int vocabulary)
    {
        double gates = Gates(c), h = c.Hidden;
        // The first layer reads the embedding, every later one the layer below: W_ih, W_hh and two biases each.
        double layers = gates * h * (c.Embedding + h + 2) + (c.Layers - 1.0) * gates * h * (2 * h + 2);
        return (double)vocabulary * c.Embedding + vocabulary * (h + 1) + layers;
    }

    /// <summary>Bytes for parameters, gradients, optimizer state and the activations BPTT keeps.</summary>
    public static double Bytes(TrainConfig c, int vocabulary)
    {
        double gates = Gates(c), h = c.Hidden, rows = (double)c.SequenceLength * c.Batch;
        double optimizerStates = c.OptimizerSpec.StateTensors;
        // Per layer and time step: gates, their gradients and a second gate buffer (GRU), states, cells, outputs.
        double activations = rows * c.Layers * (3 * gates * h + 6 * h) + rows * (c.Embedding * 2.0 + vocabulary * 3.0);
        return 4 * (Parameters(c, vocabulary) * (2 + optimizerStates) + activations);
    }

    /// <summary>Throws with the estimate when it exceeds the memory this process may use or a tensor's 32-bit length.</summary>
    public static void Check(TrainConfig config, int vocabulary, long available)
    {
        double need = Bytes(config, vocabulary), parameters = Parameters(config, vocabulary);
        string shape = $"{config.Layers} x {config.Hidden} {config.Cell}, batch {config.Batch} x {config.SequenceLength}";
        if (need > available)
            throw new UserFacingException(string.Create(CultureInfo.InvariantCulture,
                $"this configuration needs about {need / 1073741824.0:F1} GiB ({shape}), more than the {available / 1073741824.0:F1} GiB available; reduce --hidden, --batch or --seq"));
        if (parameters > MaxParameters || (double)config.SequenceLength * config.Batch * Math.Max(vocabulary, 4.0 * config.Hidden) > int.MaxValue)
            throw new UserFacingException(string.Create(CultureInfo.InvariantCulture,
                $"this configuration has {parameters:G3} parameters and {(double)config.SequenceLength * config.Batch:G3} rows per step ({shape}): a tensor would exceed {int.MaxValue} elements; reduce --hidden, --batch or --seq"));
    }

    /// <summary>The memory this process may use, as the GC sees it (a container's limit included).</summary>
    public static long Available => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static double Gates(TrainConfig c) => CellKinds.Gates(c.CellKind);
}
