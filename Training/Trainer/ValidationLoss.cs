// ValidationLoss: the one procedure that measures a model's loss on a text, used by the trainer's
// validation and by `evaluate`, so both give the same number for the same weights: the first
// `characters` of the text read as B contiguous streams in chunks of T, the state carried from chunk
// to chunk, no gradient (as char-rnn measures it).
using Engine.Kernels;
using Engine.Models;
using Engine.Training.Data;

namespace Engine.Training.Trainer;

/// <summary>The loss of a model on a text, as training validates.</summary>
public static class ValidationLoss
{
    /// <summary>Mean cross-entropy in nats per character predicted over the first `characters` of text.</summary>
    public static double Measure(CharLanguageModel model, IBackend backend, int[] text, int characters, int batch, int sequenceLength)
    {
        ValidationSplit.Check(characters, text.Length, batch);
        int streamLength = ValidationSplit.StreamLength(characters, text.Length, batch);
        var eval = new Graph(backend) { GradEnabled = false };
        var state = RecurrentState.Zeros(backend, model.Config.Recurrent, batch);
        double total = 0;
        long count = 0;
        for (int position = 0; position < streamLength - 1; position += sequenceLength)
        {
            int steps = Math.Min(sequenceLength, streamLength - 1 - position);
            var x = new int[steps * batch];
            var y = new int[steps * batch];
            for (int t = 0; t < steps; t++)
                for (int b = 0; b < batch; b++)
                {
                    x[t * batch + b] = text[b * streamLength + position + t];
                    y[t * batch + b] = text[b * streamLength + position + t + 1];
                }
            var output = model.Forward(eval, x, steps, state, y);
            total += output.Loss!.Value.ToArray()[0] * (double)x.Length;
            count += x.Length;
            state.CarryFrom(output.Recurrent);
            eval.Reset();
        }
        return total / count;
    }
}
