// The bench's training step and its figures: the step it times really trains (the loss it minimises
// falls, the same way on every run), and the figures it reports are consistent with each other.
using System.Runtime.InteropServices;
using Engine.Kernels;
using Engine.Models;
using Engine.Tests.Support;
using Engine.Training.Bench;
using Xunit;

namespace Engine.Tests.Training;

// Every measurement resets the process's resident high-water mark, so these run one at a time with the
// other tests that measure (the in-process `bench` runs).
[Collection(ProgramCollection.Name)]
public class TrainStepBenchTests
{
    [Fact]
    public void The_timed_step_trains_deterministically()
    {
        double[] Losses()
        {
            var step = new TrainStep(Backends.Create("cpu"), CellKind.Lstm, t: 4, b: 3, i: 5, h: 6);
            return Enumerable.Range(0, 20).Select(_ => step.Run().Loss).ToArray();
        }
        var losses = Losses();
        Assert.Equal(losses, Losses());
        // loss = mean(y^2) under SGD 0.01 with the gradient clipped to norm 1: small steps down a smooth
        // loss, so every step lowers it.
        for (int s = 1; s < losses.Length; s++) Assert.True(losses[s] < losses[s - 1], $"step {s + 1}: {losses[s]} after {losses[s - 1]}");
    }

    [Fact]
    public void Figures_are_consistent_with_each_other()
    {
        var f = TrainStepBench.Measure(Backends.Create("cpu"), CellKind.Gru, t: 3, b: 2, i: 4, h: 5, minSeconds: 0);
        Assert.Equal(("gru", 3, 2, 4, 5), (f.Cell, f.T, f.B, f.I, f.H));
        Assert.True(f.Steps >= 10);
        Assert.InRange(f.MsMedian, f.MsMin, f.MsMax);
        Assert.True(f.MsMin > 0);
        Assert.Equal(3 * 2 / (f.MsMedian / 1000), f.TokensPerSecond);
        Assert.Equal(f.ClipMsMedian / f.MsMedian, f.ClipShare);
        Assert.InRange(f.ClipShare, 0, 1);
        // What the configuration holds includes at least its parameters and their gradients:
        // a GRU layer has 3H (I + H + 2) = 165 weights, 4 bytes each, twice.
        Assert.True(f.PeakBytes >= 2 * 4 * 165, $"{f.PeakBytes} bytes held");
    }

    [Fact]
    public void Resident_peak_growth_counts_memory_touched_since_the_start()
    {
        long? start = ProcessMemory.ResetPeak();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(start); // no /proc to read: the bench reports no figure rather than a wrong one
            return;
        }
        Assert.NotNull(start);
        // 256 MB of native memory, every page written. Not a managed array: the GC may place one on
        // pages it already holds resident from earlier garbage, and the resident set would not move.
        const int bytes = 256 << 20;
        var page = new byte[1 << 20];
        Array.Fill(page, (byte)1);
        nint block = Marshal.AllocHGlobal(bytes);
        try
        {
            for (int at = 0; at < bytes; at += page.Length) Marshal.Copy(page, 0, block + at, page.Length);
            long growth = ProcessMemory.PeakGrowthSince(start)!.Value;
            // Other tests run beside this one and may free memory meanwhile: half the block is the bound.
            Assert.True(growth >= bytes / 2, $"resident peak rose {growth >> 20} MB after touching {bytes >> 20} MB");
        }
        finally { Marshal.FreeHGlobal(block); }
        // Never negative, even after the block has gone back to the system.
        Assert.True(ProcessMemory.PeakGrowthSince(start) >= 0);
    }
}
