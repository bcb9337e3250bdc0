// The temporal order problem (Hochreiter & Schmidhuber 1997; Pascanu et al. 2013): a sequence of
// one-hot symbols over 6 (A, B and four distractors c..f). One relevant symbol (A or B) sits at a
// position in [T/10, 2T/10] and another in [5T/10, 6T/10]; the class is their order AA, AB, BA or BB
// (4 classes), read at the last step. Success (Pascanu et al.): under 1% error on fresh sequences.
namespace Engine.Training.Tasks;

public sealed class TemporalOrderProblem : SyntheticTask
{
    private const int A = 0, B = 1, Symbols = 6;

    public TemporalOrderProblem(int steps)
    {
        RequireLength("temporal-order", steps, 10);
        Steps = steps;
    }

    public override string Name => "temporal-order";
    public override int Steps { get; }
    public override int InputSize => Symbols;
    public override int OutputSize => 4;
    public override bool IsRegression => false;
    public override string Criterion => "argmax of the last step equals the order class; solved under 1% error (Pascanu et al. 2013)";

    public override TaskBatch Sample(Rng rng, int batch)
    {
        var inputs = new float[Steps * batch * Symbols];
        var classes = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < Steps; t++) inputs[(t * batch + b) * Symbols + 2 + rng.NextInt(4)] = 1f;
            int first = Steps / 10 + rng.NextInt(Steps / 10 + 1);
            int second = 5 * Steps / 10 + rng.NextInt(Steps / 10 + 1);
            int s1 = rng.NextInt(2), s2 = rng.NextInt(2);
            Place(inputs, first, batch, b, s1 == 0 ? A : B);
            Place(inputs, second, batch, b, s2 == 0 ? A : B);
            classes[b] = 2 * s1 + s2;
        }
        return new TaskBatch(inputs, Steps, batch, null, classes);
    }

    private void Place(float[] inputs, int t, int batch, int b, int symbol)
    {
        var row = inputs.AsSpan((t * batch + b) * Symbols, Symbols);
        row.Clear();
        row[symbol] = 1f;
    }

    public override int CountCorrect(TaskBatch batch, float[] outputs) => Scoring.CountArgmaxHits(outputs, batch.ClassTargets!, OutputSize, 0, batch.Batch);
}
