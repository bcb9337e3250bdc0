// The noiseless memorization task (Martens & Sutskever 2011; Pascanu et al. 2013): a pattern of 10
// binary symbols is shown at the start, followed by blanks; a "go" marker at step T - 11 asks the
// model to replay the pattern over the last 10 steps. The head reads every step; targets are
// "blank" everywhere except the replay. A sequence is solved when all 10 replayed symbols are right.
namespace Engine.Training.Tasks;

public sealed class MemorizationProblem : SyntheticTask
{
    public const int PatternLength = 10;
    private const int Zero = 0, One = 1, Blank = 2, Go = 3, Channels = 4, Classes = 3;

    public MemorizationProblem(int steps)
    {
        RequireLength("memorization", steps, 2 * PatternLength + 1);
        Steps = steps;
    }

    public override string Name => "memorization";
    public override int Steps { get; }
    public override int InputSize => Channels;
    public override int OutputSize => Classes;
    public override bool IsRegression => false;
    public override bool HeadAtEveryStep => true;
    public override string Criterion => $"all {PatternLength} replayed symbols right (Pascanu et al. 2013)";

    private int ReplayStart => Steps - PatternLength;

    public override TaskBatch Sample(Rng rng, int batch)
    {
        var inputs = new float[Steps * batch * Channels];
        var targets = new int[Steps * batch];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < Steps; t++)
            {
                int symbol = t < PatternLength ? rng.NextInt(2) : t == ReplayStart - 1 ? Go : Blank;
                inputs[(t * batch + b) * Channels + symbol] = 1f;
                targets[t * batch + b] = Blank;
            }
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < PatternLength; i++)
            {
                int shown = inputs[(i * batch + b) * Channels + One] == 1f ? One : Zero;
                targets[(ReplayStart + i) * batch + b] = shown;
            }
        return new TaskBatch(inputs, Steps, batch, null, targets);
    }

    public override int CountCorrect(TaskBatch batch, float[] outputs)
    {
        int correct = 0;
        for (int b = 0; b < batch.Batch; b++)
        {
            bool all = true;
            for (int t = ReplayStart; t < Steps && all; t++)
                all = Scoring.Argmax(outputs.AsSpan((t * batch.Batch + b) * Classes, Classes)) == batch.ClassTargets![t * batch.Batch + b];
            if (all) correct++;
        }
        return correct;
    }
}
