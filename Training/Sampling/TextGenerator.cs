// TextGenerator: text from a trained character LM: the prime text is run through the model to set
// its state, then one character at a time is drawn (temperature, top-k) and fed back.
using System.Text;
using Engine.Models;
using Engine.Training.Data;

namespace Engine.Training.Sampling;

/// <summary>Generates text from a trained character language model.</summary>
/// <param name="model">The trained model.</param>
/// <param name="vocabulary">The vocabulary it was trained with.</param>
/// <param name="backend">The backend its parameters live on.</param>
public sealed class TextGenerator(CharLanguageModel model, Vocabulary vocabulary, IBackend backend)
{
    /// <summary>The prime text followed by length drawn characters.</summary>
    /// <param name="prime">Text run through the model first to set its state (empty: start from a random character).</param>
    /// <param name="length">Characters to draw.</param>
    /// <param name="temperature">0 picks the most likely character; higher values flatten the distribution.</param>
    /// <param name="topK">Draw only among the k most likely characters (0: all).</param>
    /// <param name="seed">The seed of the draws: the same seed gives the same text.</param>
    public string Generate(string prime, int length, float temperature, int topK, ulong seed)
    {
        if (length < 0) throw new ArgumentException($"length must be >= 0, got {length}");
        var rng = new Rng(seed);
        var graph = new Graph(backend) { GradEnabled = false };
        var state = RecurrentState.Zeros(backend, model.Config.Recurrent, 1);
        var text = new StringBuilder(prime);
        int[] primeIds = prime.Length == 0 ? [rng.NextInt(vocabulary.Size)] : vocabulary.Encode(prime);
        if (prime.Length == 0) text.Append(vocabulary.Decode(primeIds));
        var output = model.Forward(graph, primeIds, primeIds.Length, state);
        for (int i = 0; i < length; i++)
        {
            state.CarryFrom(output.Recurrent);
            var logits = output.Logits.Value.ToArray();
            int next = CharacterSampler.Pick(logits.AsSpan(logits.Length - vocabulary.Size), temperature, topK, rng);
            text.Append(vocabulary.Decode([next]));
            graph.Reset();
            output = model.Forward(graph, [next], 1, state);
        }
        return text.ToString();
    }
}
