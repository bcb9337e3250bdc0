// libtorch's peak memory for one training step configuration, measured as the engine's
// `bench --shape` measures its own (Training/Bench/ProcessMemory.cs): the rise of this process's
// resident-set high-water mark over its level just before the model is built, over the oracle's 3
// warm-up steps and at least 10 timed ones, on 2 threads. Run one configuration per process.
using TorchSharp;

public static class Memory
{
    public static void Run(string cell, int t, int b, int i, int h)
    {
        torch.set_num_threads(2);
        using (var warm = torch.ones(8)) warm.sum().Dispose(); // loads libtorch before the measurement starts
        File.WriteAllText("/proc/self/clear_refs", "5");
        long before = Status("VmRSS:");
        var step = new TorchStep(cell, t, b, i, h);
        for (int n = 0; n < 23; n++) step.Run();
        long peak = Status("VmHWM:");
        Console.WriteLine($"{{\"bench\":\"libtorch_peak_memory\",\"cell\":\"{cell}\",\"t\":{t},\"b\":{b},\"i\":{i},\"h\":{h},\"peak_rss_growth_mb\":{(peak - before) / 1048576.0:F1}}}");
        GC.KeepAlive(step);
    }

    private static long Status(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field))[field.Length..].Trim().Split(' ')[0]) * 1024;
}
