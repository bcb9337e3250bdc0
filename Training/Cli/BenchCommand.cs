// `bench`: JSON lines of medians after warm-up: the machine's FMA peak, SGEMM GFLOP/s at the shapes
// training uses, the benchmark's training steps (with the clip stage's share) and the clip stage alone.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Engine.Kernels;
using Engine.Models;
using Engine.Training.Bench;
using Engine.Training.Telemetry;
using Engine.Training.Trainer;

namespace Engine.Training.Cli;

public static class BenchCommand
{
    /// <summary>The benchmark's configurations, the ones libtorch's figures in docs/performance.md were taken at.</summary>
    public static readonly (int T, int B, int I, int H)[] Configurations = [(64, 32, 64, 256), (128, 16, 128, 512), (64, 1, 64, 256)];

    /// <summary>The longest timing per measurement accepted: an hour (each section takes several).</summary>
    public const double MaxSeconds = 3600;

    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "backend to measure", DefaultValueFactory = _ => "cpu" };
        var only = new Option<string?>("--only") { Description = "one section: peak, gemm, train, work (a GPU's launches and transfers per training step), clip, or charlm (a char-LM step of train's settings or --preset's, split by operation; not in the default run)" };
        var preset = new Option<string?>("--preset") { Description = $"the charlm section's settings: a train preset ({string.Join(", ", TrainPreset.Names)}); default: train's defaults" };
        var seconds = new Option<double>("--seconds") { Description = "minimum timing per measurement", DefaultValueFactory = _ => 2.0 };
        var cells = new Option<string>("--cells") { Description = "comma-separated cells for the train section", DefaultValueFactory = _ => "rnn-tanh,lstm,gru" };
        var shape = new Option<string?>("--shape") { Description = "one T/B/I/H for the train section instead of the benchmark's three, e.g. 64/32/64/256" };
        var command = new Command("bench", "Measure training-step throughput, SGEMM and the clip stage (JSON lines)");
        command.Options.Add(device);
        command.Options.Add(only);
        command.Options.Add(seconds);
        command.Options.Add(cells);
        command.Options.Add(shape);
        command.Options.Add(preset);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            double time = r.GetValue(seconds);
            if (!(time >= 0 && time <= MaxSeconds)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--seconds must be a number from 0 to {MaxSeconds}, got {time}"));
            var shapes = r.GetValue(shape) is { } s ? [ParseShape(s)] : Configurations;
            var cellKinds = r.GetValue(cells)!.Split(',').Select(CellKinds.Parse).ToArray();
            if (r.GetValue(preset) is not null && r.GetValue(only) != "charlm") throw new ArgumentException("--preset is for the charlm section: add --only charlm");
            if (r.GetValue(only) == "charlm")
                return CharLm(r.GetValue(preset) is { } name ? TrainPreset.Get(name).Config : new TrainConfig(), r.GetValue(preset) ?? "default", r.GetValue(device)!, time);
            using var backend = Backends.Create(r.GetValue(device)!);
            return Run(backend, r.GetValue(only), time, cellKinds, shapes);
        }));
        return command;
    }

    private static (int T, int B, int I, int H) ParseShape(string text)
    {
        var v = text.Split('/').Select(p => int.TryParse(p, out int n) && n > 0 ? n : 0).ToArray();
        if (v.Length != 4 || v.Contains(0))
            throw new ArgumentException($"--shape wants four positive integers T/B/I/H, e.g. 64/32/64/256; got '{text}'");
        return (v[0], v[1], v[2], v[3]);
    }

    private static void Emit(object line) => Console.WriteLine(JsonSerializer.Serialize(line, MetricsWriter.Json));

    /// <summary>The lines every run starts with: the machine, and when asked the FMA peak its figures are read beside.</summary>
    private static void EmitMachine(string device, int threads, bool peak)
    {
        Emit(new { Bench = "env", Device = device, Threads = threads, Dotnet = Environment.Version.ToString(), Os = Environment.OSVersion.ToString() });
        if (peak) Emit(new { Bench = "fma_peak", Gflops = Math.Round(FmaPeak.Measure(threads), 1), Threads = threads });
    }

    /// <summary>The charlm section: the step's time and tokens/s, then one line per backend operation, largest first.</summary>
    private static int CharLm(TrainConfig config, string name, string device, double seconds)
    {
        EmitMachine(device, Environment.ProcessorCount, peak: true);
        var p = CharLmStepProfile.Measure(config, device, seconds);
        Emit(new { Bench = "charlm_step", Preset = name, config.Cell, config.Layers, config.Hidden, config.Embedding, T = config.SequenceLength, B = config.Batch, config.Dropout,
            MsPerStepMedian = Math.Round(p.MsMedian, 2), MsPerStepMean = Math.Round(p.MsMean, 2), TokensPerS = Math.Round(p.TokensPerSecond) });
        foreach (var part in p.Parts)
            Emit(new { Bench = "charlm_part", part.Part, CallsPerStep = Math.Round(part.CallsPerStep, 1), MsPerStep = Math.Round(part.MsPerStep, 3), ShareOfStep = Math.Round(part.ShareOfStep, 4) });
        return 0;
    }

    private static int Run(IBackend backend, string? only, double seconds, CellKind[] cells, (int T, int B, int I, int H)[] shapes)
    {
        if (only is not (null or "peak" or "gemm" or "train" or "work" or "clip"))
            throw new ArgumentException($"unknown bench section '{only}'; choose one of: peak, gemm, train, work, clip, charlm");
        int threads = Environment.ProcessorCount;
        EmitMachine(backend.Name, threads, peak: only is null or "peak" or "gemm");
        if (only is null or "gemm")
            foreach (var (t, b, i, h) in Configurations)
                foreach (var shape in GemmBench.ShapesFor(t, b, i, h, 4))
                {
                    var (g, local) = GemmBench.MeasureBesidePeak(backend, shape, threads, seconds / 4);
                    Emit(new { Bench = "sgemm", shape.Use, shape.M, shape.N, shape.K, shape.TransA, shape.TransB, Gflops = Math.Round(g, 1),
                        PeakGflops = Math.Round(local, 1), OfPeak = Math.Round(g / local, 3) });
                }
        if (only is null or "train" or "work")
            foreach (var cell in cells)
                foreach (var (t, b, i, h) in shapes)
                {
                    if (DeviceWorkBench.PerStep(backend, cell, t, b, i, h) is { } w)
                        Emit(new { Bench = "device_work", Cell = cell.Name(), T = t, B = b, I = i, H = h, LaunchesPerStep = w.Launches, BlockingTransfersPerStep = w.BlockingTransfers });
                    if (only is "work") continue;
                    var f = TrainStepBench.Measure(backend, cell, t, b, i, h, seconds);
                    Emit(new { Bench = "train_step", f.Cell, f.T, f.B, f.I, f.H, L = 1, MsPerStepMedian = Math.Round(f.MsMedian, 3), TokensPerS = Math.Round(f.TokensPerSecond, 1),
                        MsMin = Math.Round(f.MsMin, 3), MsMax = Math.Round(f.MsMax, 3), StepsTimed = f.Steps, ClipMsMedian = Math.Round(f.ClipMsMedian, 4),
                        ClipShareOfStep = Math.Round(f.ClipShare, 4), PeakMemoryMb = Math.Round(f.PeakBytes / 1048576.0, 1),
                        PeakRssGrowthMb = f.PeakRssGrowthBytes is { } rss ? Math.Round(rss / 1048576.0, 1) : (double?)null });
                }
        if (only is null or "clip")
        {
            // A buffer far larger than the caches: 256 MB on a GPU, 64 MB on the host; 4 MB on the slow
            // CPU accelerator, where the figure only shows that the section runs.
            int elements = backend.Name switch { "cuda" => 64 << 20, "ilgpu-cpu" => 1 << 20, _ => 16 << 20 };
            var c = ClipBench.Measure(backend, elements, seconds);
            Emit(new { Bench = "clip_statistics", c.Elements, MsMedian = Math.Round(c.StatisticsMsMedian, 3), ReadGbPerS = Math.Round(c.StatisticsGBs, 2),
                CopyGbPerS = Math.Round(c.CopyGBs, 1), OfCopy = Math.Round(c.StatisticsGBs / c.CopyGBs, 3), BytesPerElement = 4 });
        }
        return 0;
    }
}
