// The clip stage's one read against the memory system: SegmentStatistics over a large flat buffer in
// a realistic segment table (a few big matrices, a few vectors), as GB/s read, beside a device copy of
// the same buffer (a read and a write) as the bandwidth it can be held to. Medians of repeated calls.
using System.Diagnostics;

namespace Engine.Training.Bench;

public sealed record ClipFigures(int Elements, double StatisticsGBs, double CopyGBs, double StatisticsMsMedian);

public static class ClipBench
{
    public static ClipFigures Measure(IBackend backend, int elements, double seconds)
    {
        var grads = backend.Zeros(elements);
        var copy = backend.Zeros(elements);
        backend.Fill(0.5f, grads);
        // Four weight matrices of equal size and four bias-sized tails: the shape of a stacked LSTM's buffer.
        int bias = Math.Max(1, elements / 1000), matrix = (elements - 4 * bias) / 4;
        int[] lengths = [matrix, bias, matrix, bias, matrix, bias, elements - 3 * matrix - 3 * bias - bias, bias];
        var offsets = new int[lengths.Length];
        for (int s = 1; s < lengths.Length; s++) offsets[s] = offsets[s - 1] + lengths[s - 1];
        var stats = new SegmentStatistics[lengths.Length];

        double statisticsMs = Median(seconds / 2, () => backend.SegmentStatistics(grads, offsets, lengths, stats), backend);
        double copyMs = Median(seconds / 2, () => backend.Copy(grads, copy), backend);
        double bytes = 4.0 * elements;
        return new ClipFigures(elements, bytes / (statisticsMs * 1e6), 2 * bytes / (copyMs * 1e6), statisticsMs);
    }

    private static double Median(double seconds, Action run, IBackend backend)
    {
        run();
        backend.Synchronize();
        var times = new List<double>();
        var budget = Stopwatch.StartNew();
        while (times.Count < 5 || (budget.Elapsed.TotalSeconds < seconds && times.Count < 1000))
        {
            var clock = Stopwatch.StartNew();
            run();
            backend.Synchronize();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
