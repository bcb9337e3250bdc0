// The synthetic tasks: their definitions, checked on generated batches.
using Engine.Training.Tasks;
using Xunit;

namespace Engine.Tests.Training;

public class TaskTests
{
    [Fact]
    public void Adding_problem_marks_two_values_and_targets_their_scaled_sum()
    {
        var task = new AddingProblem(20);
        var batch = task.Sample(new Rng(3), 8);
        for (int b = 0; b < 8; b++)
        {
            var marked = Enumerable.Range(0, 20).Where(t => batch.Inputs[(t * 8 + b) * 2 + 1] == 1f).ToArray();
            Assert.Equal(2, marked.Length);
            Assert.True(marked[0] < 2 && marked[1] >= 2 && marked[1] < 10);
            float sum = marked.Sum(t => batch.Inputs[(t * 8 + b) * 2]);
            Assert.Equal(0.5f + sum / 4f, batch.RegressionTargets![b]);
        }
        var perfect = batch.RegressionTargets!.Select(v => v + 0.039f).ToArray();
        Assert.Equal(8, task.CountCorrect(batch, perfect));
        Assert.Equal(0, task.CountCorrect(batch, batch.RegressionTargets!.Select(v => v + 0.041f).ToArray()));
    }

    [Fact]
    public void Temporal_order_class_is_the_order_of_the_two_relevant_symbols()
    {
        var task = new TemporalOrderProblem(50);
        var batch = task.Sample(new Rng(5), 16);
        for (int b = 0; b < 16; b++)
        {
            var relevant = new List<int>();
            for (int t = 0; t < 50; t++)
            {
                var row = batch.Inputs.AsSpan((t * 16 + b) * 6, 6);
                Assert.Equal(1f, row.ToArray().Sum());
                if (row[0] == 1f || row[1] == 1f)
                {
                    relevant.Add(row[0] == 1f ? 0 : 1);
                    Assert.True((t >= 5 && t <= 10) || (t >= 25 && t <= 30), $"relevant symbol at {t}");
                }
            }
            Assert.Equal(2, relevant.Count);
            Assert.Equal(2 * relevant[0] + relevant[1], batch.ClassTargets![b]);
        }
    }

    [Fact]
    public void Memorization_replays_the_pattern_after_the_go_marker()
    {
        var task = new MemorizationProblem(30);
        var batch = task.Sample(new Rng(9), 4);
        for (int b = 0; b < 4; b++)
        {
            Assert.Equal(1f, batch.Inputs[(19 * 4 + b) * 4 + 3]); // go marker at T - 11
            for (int i = 0; i < 10; i++)
            {
                int shown = batch.Inputs[(i * 4 + b) * 4 + 1] == 1f ? 1 : 0;
                Assert.Equal(shown, batch.ClassTargets![(20 + i) * 4 + b]);
            }
            Assert.Equal(2, batch.ClassTargets![(15 * 4) + b]); // blank elsewhere
        }
        // Outputs that put all mass on the target class solve every sequence.
        var outputs = new float[30 * 4 * 3];
        for (int r = 0; r < 120; r++) outputs[r * 3 + batch.ClassTargets![r]] = 1f;
        Assert.Equal(4, task.CountCorrect(batch, outputs));
        outputs[(25 * 4 + 2) * 3 + batch.ClassTargets![25 * 4 + 2]] = -1f; // one wrong replay symbol in sequence 2
        Assert.Equal(3, task.CountCorrect(batch, outputs));
    }

    [Fact]
    public void Same_seed_same_batches()
    {
        var a = new TemporalOrderProblem(40).Sample(new Rng(1), 4);
        var b = new TemporalOrderProblem(40).Sample(new Rng(1), 4);
        Assert.Equal(a.Inputs, b.Inputs);
        Assert.Equal(a.ClassTargets, b.ClassTargets);
    }
}
