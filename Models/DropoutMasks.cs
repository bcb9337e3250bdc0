// DropoutMasks: where a model's dropout masks come from. Training draws them from the run's seeded
// generator (so a seed reproduces them, and a resumed run, whose checkpoint holds the generator's
// state, draws the same ones); evaluation and sampling pass none, which turns dropout off.
namespace Engine.Models;

/// <summary>Dropout masks drawn from one seeded generator.</summary>
/// <param name="rng">The run's dropout generator (its state goes into checkpoints).</param>
public class DropoutMasks(Rng rng)
{
    /// <summary>The generator the masks are drawn from.</summary>
    public Rng Generator { get; } = rng;

    /// <summary>
    /// An inverted-dropout mask for p: each unit is 0 with probability p and 1 / (1 - p) otherwise, drawn
    /// in index order. Overridden by tests that need a mask they chose.
    /// </summary>
    public virtual void Fill(float p, Span<float> mask)
    {
        float keep = 1f / (1f - p);
        for (int i = 0; i < mask.Length; i++) mask[i] = Generator.NextDouble() < p ? 0f : keep;
    }

    /// <summary>A mask tensor of the given shape on the backend, or null when p is 0 (nothing dropped).</summary>
    public Tensor? Draw(Graph graph, float p, int[] shape)
    {
        if (p == 0f) return null;
        var host = new float[ShapeOf.Numel(shape)];
        Fill(p, host);
        var mask = graph.Scratch(shape, zeroed: false);
        graph.Backend.Upload(host, mask);
        return mask;
    }
}
