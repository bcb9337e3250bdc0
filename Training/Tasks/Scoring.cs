// Scoring helpers shared by the classification tasks.
namespace Engine.Training.Tasks;

public static class Scoring
{
    public static int Argmax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /// <summary>Rows [first, first + count) of outputs [*, classes] whose argmax equals the target.</summary>
    public static int CountArgmaxHits(float[] outputs, int[] targets, int classes, int first, int count)
    {
        int hits = 0;
        for (int r = first; r < first + count; r++)
            if (Argmax(outputs.AsSpan(r * classes, classes)) == targets[r]) hits++;
        return hits;
    }
}
