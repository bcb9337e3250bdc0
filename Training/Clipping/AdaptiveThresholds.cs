// The state of the adaptive clip kinds: AutoClip's history of norms and ZClip's moving statistics.
// Both are plain data so checkpoints save and restore them exactly.
namespace Engine.Training.Clipping;

/// <summary>
/// AutoClip (Seetharaman et al. 2020): the threshold is the p-th percentile (linear interpolation, as
/// numpy) of every global norm seen so far, the current one included, or of the last Window norms.
/// </summary>
internal sealed class AutoClipHistory
{
    private readonly int window;
    private readonly Queue<double> arrival = new();
    private readonly List<double> sorted = new();

    public AutoClipHistory(int window) => this.window = window;

    public double Add(double norm, double percentile)
    {
        arrival.Enqueue(norm);
        Insert(norm);
        if (window > 0 && arrival.Count > window) sorted.RemoveAt(sorted.BinarySearch(arrival.Dequeue())); // present, so found
        double rank = percentile / 100.0 * (sorted.Count - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    private void Insert(double norm)
    {
        int at = sorted.BinarySearch(norm);
        sorted.Insert(at >= 0 ? at : ~at, norm);
    }

    public double[] Save() => arrival.ToArray();

    public void Load(double[] norms)
    {
        arrival.Clear();
        sorted.Clear();
        foreach (double n in norms) { arrival.Enqueue(n); Insert(n); }
    }
}

/// <summary>
/// ZClip (Kumar et al. 2025), z-score mode with adaptive scaling: the first WarmUp norms are collected
/// unclipped and give the initial mean and (population) variance; after that z = (g - mean) / (std + 1e-6)
/// and when z > Z the norm is clipped to mean + Z^2 std / z. The moving statistics are then updated with
/// the norm actually applied: mean = a mean + (1 - a) x; var = a var + (1 - a) (x - mean)^2 (new mean).
/// </summary>
internal sealed class ZClipStatistics
{
    private readonly ClipSpec spec;
    private readonly List<double> warmUp = new();

    public double Mean { get; private set; }
    public double Variance { get; private set; }
    public bool Ready { get; private set; }

    public ZClipStatistics(ClipSpec spec) => this.spec = spec;

    /// <summary>The norm to clip to this step (null: no clipping), and the threshold in force (null during warm-up).</summary>
    public (double? ClipTo, double? Threshold) Observe(double norm)
    {
        if (!Ready)
        {
            warmUp.Add(norm);
            if (warmUp.Count >= spec.WarmUp)
            {
                Mean = warmUp.Average();
                Variance = warmUp.Sum(x => (x - Mean) * (x - Mean)) / warmUp.Count;
                Ready = true;
                warmUp.Clear();
            }
            return (null, null);
        }
        double std = Math.Sqrt(Variance);
        double z = (norm - Mean) / (std + 1e-6);
        double? clipTo = z > spec.ZThreshold ? Mean + spec.ZThreshold * spec.ZThreshold * std / z : null;
        double threshold = Mean + spec.ZThreshold * std;
        double applied = clipTo ?? norm;
        Mean = spec.Alpha * Mean + (1 - spec.Alpha) * applied;
        Variance = spec.Alpha * Variance + (1 - spec.Alpha) * (applied - Mean) * (applied - Mean);
        return (clipTo, threshold);
    }

    public double[] Save() => [Ready ? 1 : 0, Mean, Variance, .. warmUp];

    public void Load(double[] state)
    {
        Ready = state[0] == 1;
        Mean = state[1];
        Variance = state[2];
        warmUp.Clear();
        warmUp.AddRange(state[3..]);
    }
}
