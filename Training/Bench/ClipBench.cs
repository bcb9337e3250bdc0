// The clip stage's one read against the memory system: SegmentStatistics over a large flat buffer in
// a realistic segment table (a few big matrices, a few vectors), as GB/s read, beside a device copy of
// the same buffer (a read and a write) as the bandwidth it can be held to. Medians of repeated calls.
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

        double statisticsMs = Timing.MedianMs(backend, () => backend.SegmentStatistics(grads, offsets, lengths, stats), seconds / 2, warmups: 1, maxCalls: 1000);
        double copyMs = Timing.MedianMs(backend, () => backend.Copy(grads, copy), seconds / 2, warmups: 1, maxCalls: 1000);
        double bytes = 4.0 * elements;
        return new ClipFigures(elements, bytes / (statisticsMs * 1e6), 2 * bytes / (copyMs * 1e6), statisticsMs);
    }
}
