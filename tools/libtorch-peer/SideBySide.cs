// Our training step and libtorch's in one process, in alternating blocks of about a second each, so
// that each pair of blocks sees the same state of this shared VM. Run as separate processes one after
// the other, a slow spell of a few seconds can fall on one engine's whole measurement and not the
// other's; within a pair it slows both. Each block is the median of its steps; the ratio of a pair is
// libtorch's median over ours, and the order within a pair alternates, so that neither engine always
// runs right after the other. A pause after each block lets the other engine's idle threads stop
// spinning (ours spin 2 ms, libgomp's well under that) before the next block is timed.
using System.Diagnostics;
using System.Text.Json;
using Engine;
using Engine.Kernels;
using Engine.Models;
using Engine.Training;
using Engine.Training.Bench;
using TorchSharp;

public static class SideBySide
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(300);

    public static void Run(string[] cells, (int T, int B, int I, int H)[] shapes, int pairs, double blockSeconds)
    {
        torch.set_num_threads(2);
        IBackend backend = Backends.Create("cpu");
        foreach (var cell in cells)
            foreach (var (t, b, i, h) in shapes)
            {
                var ours = new TrainStep(backend, CellKinds.Parse(cell), t, b, i, h);
                var theirs = new TorchStep(cell.Replace('-', '_'), t, b, i, h);
                // Warm-up: 3 s each, for our JIT's tiers (Training/Bench/TrainStepBench.cs) and libtorch's caches.
                Block(() => ours.Run().Step, 3);
                Block(theirs.Run, 3);
                var ourMs = new List<double>();
                var theirMs = new List<double>();
                var ratios = new List<double>();
                for (int pair = 0; pair < pairs; pair++)
                {
                    double o, l;
                    if (pair % 2 == 0) { o = Block(() => ours.Run().Step, blockSeconds); l = Block(theirs.Run, blockSeconds); }
                    else { l = Block(theirs.Run, blockSeconds); o = Block(() => ours.Run().Step, blockSeconds); }
                    ourMs.Add(o);
                    theirMs.Add(l);
                    ratios.Add(l / o);
                }
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    bench = "side_by_side", cell, t, b, i, h, pairs, block_seconds = blockSeconds,
                    ratio_median = Math.Round(Statistics.Median(ratios), 3), ratio_min = Math.Round(ratios.Min(), 3), ratio_max = Math.Round(ratios.Max(), 3),
                    ours_ms_median = Math.Round(Statistics.Median(ourMs), 3), libtorch_ms_median = Math.Round(Statistics.Median(theirMs), 3),
                    ratios = ratios.Select(r => Math.Round(r, 3)), ours_ms = ourMs.Select(v => Math.Round(v, 3)), libtorch_ms = theirMs.Select(v => Math.Round(v, 3)),
                }));
            }
    }

    /// <summary>Runs step for at least 10 steps and the given seconds; returns the median step in ms, then pauses.</summary>
    private static double Block(Func<double> step, double seconds)
    {
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (times.Count < 10 || clock.Elapsed.TotalSeconds < seconds) times.Add(step());
        Thread.Sleep(Pause);
        return Statistics.Median(times);
    }
}
