// FmaPeak: measures this machine's float32 FMA peak (GFLOP/s over all cores), the ceiling that SGEMM
// figures are quoted against. Each thread runs independent FMA chains on registers only, enough of
// them to hide the FMA latency, so memory plays no part.
using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Engine.Training.Bench;

public static class FmaPeak
{
    /// <summary>GFLOP/s with every core busy; the median of several timed rounds.</summary>
    public static double Measure(int threads, int rounds = 7)
    {
        var results = new List<double>();
        Run(threads, 2_000_000); // warm-up: JIT and clocks
        for (int r = 0; r < rounds; r++)
        {
            long iterations = 20_000_000;
            var sw = Stopwatch.StartNew();
            Run(threads, iterations);
            double seconds = sw.Elapsed.TotalSeconds;
            results.Add(FlopsPerIteration * iterations * threads / seconds / 1e9);
        }
        results.Sort();
        return results[results.Count / 2];
    }

    /// <summary>12 chains x lanes x 2 flops (multiply and add) per iteration.</summary>
    private static int FlopsPerIteration => 12 * Lanes * 2;

    private static int Lanes => Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;

    private static void Run(int threads, long iterations)
    {
        var sink = new float[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            sink[t] = Vector512.IsHardwareAccelerated ? Chains512(iterations) : Chains256(iterations));
        GC.KeepAlive(sink);
    }

    private static float Chains512(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        var s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector512.Sum(s);
    }

    private static float Chains256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        var s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector256.Sum(s);
    }
}
