// DropoutMasks: where a model's dropout masks come from. Training draws them from the run's seeded
// generator (so a seed reproduces them, and a resumed run, whose checkpoint holds the generator's
// state, draws the same ones); evaluation and sampling pass none, which turns dropout off.
namespace Engine.Models;

/// <summary>Dropout masks drawn from one seeded generator.</summary>
/// <param name="rng">The run's dropout generator (its state goes into checkpoints).</param>
public class DropoutMasks(Rng rng)
{
    // The host copy of the last mask, kept between steps: a mask is as large as a layer's whole output
    // (T x B x H floats), and a fresh array per draw cost more than drawing it.
    private float[] host = [];

    /// <summary>The generator the masks are drawn from.</summary>
    public Rng Generator { get; } = rng;

    /// <summary>
    /// An inverted-dropout mask for p: each unit is 0 with probability p and 1 / (1 - p) otherwise, drawn
    /// in index order, one generator word per unit. Overridden by tests that need a mask they chose.
    /// </summary>
    public virtual void Fill(float p, Span<float> mask)
    {
        float keep = 1f / (1f - p);
        // A unit drops when NextDouble() < p. NextDouble is m * 2^-53 for the word's top 53 bits m, and
        // m * 2^-53 < p exactly when m < ceil(p * 2^53) (scaling by a power of two is exact), so the
        // comparison is made on the integers, with the same outcome for every word.
        ulong below = (ulong)Math.Ceiling(p * 9007199254740992.0);
        Span<ulong> words = stackalloc ulong[512];
        for (int start = 0; start < mask.Length; start += words.Length)
        {
            var chunk = words[..Math.Min(words.Length, mask.Length - start)];
            Generator.NextULongs(chunk);
            var into = mask.Slice(start, chunk.Length);
            for (int i = 0; i < chunk.Length; i++) into[i] = chunk[i] >> 11 < below ? 0f : keep;
        }
    }

    /// <summary>A mask tensor of the given shape on the backend, or null when p is 0 (nothing dropped).</summary>
    public Tensor? Draw(Graph graph, float p, int[] shape)
    {
        if (p == 0f) return null;
        int n = ShapeOf.Numel(shape);
        if (host.Length < n) host = new float[n];
        var values = host.AsSpan(0, n);
        Fill(p, values);
        var mask = graph.Scratch(shape, zeroed: false);
        graph.Backend.Upload(values, mask);
        return mask;
    }
}
