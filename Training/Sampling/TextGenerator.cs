// TextGenerator: text from a trained character LM. The prime text (or, without one, a newline: the
// start of a fresh line of the text the model learnt) is run through the model to set its state, then
// one character at a time is drawn (temperature, top-k) and fed back. The result is the prime followed
// by the drawn characters; the implicit newline is context, not output.
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
    /// <summary>What a sample without a prime starts from.</summary>
    public const char DefaultStart = '\n';

    /// <summary>The prime followed by Length generated characters.</summary>
    public string Generate(SampleSettings settings)
    {
        settings.Validate();
        if (settings.Length == 0) return "";
        int[] start = settings.Prime.Length > 0 ? vocabulary.Encode(settings.Prime)
            : vocabulary.Contains(DefaultStart) ? [vocabulary.Encode(DefaultStart.ToString())[0]]
            : throw new ArgumentException("the checkpoint's vocabulary has no newline to start from; give --prime");
        var rng = new Rng(settings.Seed);
        var graph = new Graph(backend) { GradEnabled = false };
        var state = RecurrentState.Zeros(backend, model.Config.Recurrent, 1);
        var text = new StringBuilder(settings.Prime);
        var output = model.Forward(graph, start, start.Length, state);
        for (int i = 0; i < settings.Length; i++)
        {
            state.CarryFrom(output.Recurrent);
            var logits = output.Logits.Value.ToArray();
            int next = CharacterSampler.Pick(logits.AsSpan(logits.Length - vocabulary.Size), settings.Temperature, settings.TopK, rng);
            text.Append(vocabulary.Decode([next]));
            graph.Reset();
            output = model.Forward(graph, [next], 1, state);
        }
        return text.ToString();
    }
}
