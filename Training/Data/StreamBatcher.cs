// StreamBatcher: char-rnn style batches for truncated BPTT. The text is cut into B contiguous
// streams; each step takes the next T characters of every stream (time-major [T, B]) with targets
// shifted by one, so the hidden state can be carried from one batch to the next. When the next
// window would run past the end, every stream wraps to its start and the state must be reset.
namespace Engine.Training.Data;

/// <summary>Reads a token sequence as B contiguous streams in windows of T, for truncated BPTT.</summary>
public sealed class StreamBatcher
{
    private readonly int[] data;
    private readonly int streamLength;

    /// <summary>Streams B.</summary>
    public int Batch { get; }
    /// <summary>Window length T.</summary>
    public int SequenceLength { get; }

    /// <summary>Offset of the next window inside each stream; saved in checkpoints.</summary>
    public int Position
    {
        get => position;
        set => position = value >= 0 && value <= streamLength
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"a stream position lies in [0, {streamLength}]");
    }

    private int position;

    /// <summary>Characters in each of the B streams.</summary>
    public int StreamLength => streamLength;

    /// <summary>Windows per pass over the data (one epoch).</summary>
    public int StepsPerEpoch => (streamLength - 1) / SequenceLength;

    /// <summary>B streams over data, read T tokens at a time.</summary>
    public StreamBatcher(int[] data, int batch, int sequenceLength)
    {
        if (batch <= 0 || sequenceLength <= 0)
            throw new ArgumentException($"batch ({batch}) and sequence length ({sequenceLength}) must be positive");
        this.data = data;
        Batch = batch;
        SequenceLength = sequenceLength;
        streamLength = data.Length / batch;
        if (streamLength < sequenceLength + 1)
            throw new CorpusException(
                $"the text has {data.Length} characters, too few for {batch} streams of one sequence of {sequenceLength} + 1");
    }

    /// <summary>
    /// Fills inputs and targets ([T * B], time-major: index t * B + b) with the next window and
    /// returns true when the streams wrapped to their start (the carried state must be reset).
    /// </summary>
    public bool Next(int[] inputs, int[] targets)
    {
        bool wrapped = false;
        if (position > streamLength - SequenceLength - 1) // written so that no sum can overflow
        {
            position = 0;
            wrapped = true;
        }
        for (int t = 0; t < SequenceLength; t++)
            for (int b = 0; b < Batch; b++)
            {
                int at = b * streamLength + position + t;
                inputs[t * Batch + b] = data[at];
                targets[t * Batch + b] = data[at + 1];
            }
        position += SequenceLength;
        return wrapped;
    }
}
