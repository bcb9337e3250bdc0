// CharacterSampler: picks the next character id from a row of logits, with temperature and top-k,
// using the engine's Rng so that a seed reproduces the same text.
namespace Engine.Training.Sampling;

/// <summary>Draws the next character id from a row of logits.</summary>
public static class CharacterSampler
{
    /// <summary>
    /// temperature 0 picks the most likely id; otherwise p ~ softmax(logits / temperature), restricted
    /// to the topK most likely ids when topK > 0.
    /// </summary>
    public static int Pick(ReadOnlySpan<float> logits, float temperature, int topK, Rng rng)
    {
        if (!(temperature >= 0) || float.IsInfinity(temperature))
            throw new ArgumentException($"temperature must be a finite number >= 0, got {temperature}");
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        if (temperature == 0) return best;

        int k = topK <= 0 || topK > logits.Length ? logits.Length : topK;
        // The k-th largest logit is the cut-off; ties at the cut-off are all kept.
        float cutoff = k == logits.Length ? float.NegativeInfinity : KthLargest(logits, k);
        double max = logits[best] / temperature, total = 0;
        Span<double> weights = logits.Length <= 1024 ? stackalloc double[logits.Length] : new double[logits.Length];
        for (int i = 0; i < logits.Length; i++)
        {
            weights[i] = logits[i] >= cutoff ? Math.Exp(logits[i] / temperature - max) : 0;
            total += weights[i];
        }
        double u = rng.NextDouble() * total;
        for (int i = 0; i < logits.Length; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return best; // u landed on the rounding remainder at the very end
    }

    private static float KthLargest(ReadOnlySpan<float> values, int k)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted, (a, b) => b.CompareTo(a));
        return sorted[k - 1];
    }
}
