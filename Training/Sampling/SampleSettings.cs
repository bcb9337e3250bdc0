// SampleSettings: what `sample` was asked for, checked as a whole before any checkpoint is read, so a
// bad temperature or length is refused up front rather than at the first character drawn.
namespace Engine.Training.Sampling;

/// <summary>What to sample.</summary>
/// <param name="Prime">Text fed to the model first (empty: start from a newline).</param>
/// <param name="Length">Characters to generate after the prime.</param>
/// <param name="Temperature">Softmax temperature; 0 takes the most likely character.</param>
/// <param name="TopK">Draw only from the K most likely characters (0: from all).</param>
/// <param name="Seed">The sampling generator's seed.</param>
public sealed record SampleSettings(string Prime, int Length, float Temperature, int TopK, ulong Seed)
{
    /// <summary>The longest sample: ten million characters (about 20 MB of text).</summary>
    public const int MaxLength = 10_000_000;

    /// <summary>Refuses nonsense settings in one line.</summary>
    public void Validate()
    {
        if (Length < 0 || Length > MaxLength) throw new ArgumentException($"--length must be from 0 to {MaxLength}, got {Length}");
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"--temperature must be a finite number >= 0, got {Temperature}");
        if (TopK < 0) throw new ArgumentException($"--top-k must be >= 0, got {TopK}");
    }
}
