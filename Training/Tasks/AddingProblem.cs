// The adding problem (Hochreiter & Schmidhuber 1997, as used by Pascanu et al. 2013): each step
// carries (value, marker); values are uniform in [-1, 1], exactly two steps are marked, the first in
// the first tenth of the sequence and the second in [T/10, T/2). The target is 0.5 + (X1 + X2) / 4;
// a sequence is solved when the prediction is within 0.04 of it.
namespace Engine.Training.Tasks;

public sealed class AddingProblem : SyntheticTask
{
    public const float Tolerance = 0.04f;

    public AddingProblem(int steps)
    {
        RequireLength("adding", steps, 10);
        Steps = steps;
    }

    public override string Name => "adding";
    public override int Steps { get; }
    public override int InputSize => 2;
    public override int OutputSize => 1;
    public override bool IsRegression => true;
    public override string Criterion => $"|prediction - target| < {Tolerance} (Hochreiter & Schmidhuber 1997)";

    public override TaskBatch Sample(Rng rng, int batch)
    {
        var inputs = new float[Steps * batch * 2];
        var targets = new float[batch];
        int firstEnd = Math.Max(1, Steps / 10);
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < Steps; t++) inputs[(t * batch + b) * 2] = (float)rng.Uniform(-1, 1);
            int first = rng.NextInt(firstEnd);
            int second = firstEnd + rng.NextInt(Steps / 2 - firstEnd);
            inputs[(first * batch + b) * 2 + 1] = 1f;
            inputs[(second * batch + b) * 2 + 1] = 1f;
            targets[b] = 0.5f + (inputs[(first * batch + b) * 2] + inputs[(second * batch + b) * 2]) / 4f;
        }
        return new TaskBatch(inputs, Steps, batch, targets, null);
    }

    public override int CountCorrect(TaskBatch batch, float[] outputs)
    {
        int correct = 0;
        for (int b = 0; b < batch.Batch; b++)
            if (MathF.Abs(outputs[b] - batch.RegressionTargets![b]) < Tolerance) correct++;
        return correct;
    }
}
