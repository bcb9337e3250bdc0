// The timing loop the micro-benchmarks share: warm-up calls, then at least five timed calls and more
// until the time budget (or a call count) runs out, each call waited for on the device. Returns the
// median, in milliseconds.
using System.Diagnostics;

namespace Engine.Training.Bench;

public static class Timing
{
    public static double MedianMs(IBackend backend, Action call, double seconds, int warmups = 3, int maxCalls = 2000)
    {
        for (int w = 0; w < warmups; w++) call();
        backend.Synchronize();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < seconds && times.Count < maxCalls))
        {
            var clock = Stopwatch.StartNew();
            call();
            backend.Synchronize();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return Statistics.Median(times);
    }
}
