// The commands end to end on small settings: train writes metrics and a readable checkpoint, a resumed
// run equals an uninterrupted one bit for bit, sample is reproducible (compare and report: Tests/Experiments).
using System.Text.Json;
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Xunit;

namespace Engine.Tests.Training;

[Collection(ProgramCollection.Name)]
public class CommandTests
{
    private static string[] Tiny(string corpus, string output, int steps) =>
    [
        "train", "--corpus", corpus, "--cell", "lstm", "--layers", "2", "--hidden", "12", "--embedding", "6", "--seq", "8", "--batch", "4",
        "--steps", steps.ToString(), "--val-every", "5", "--val-chars", "200", "--checkpoint-every", "5", "--out", output, "--seed", "3",
    ];

    private static List<JsonElement> Metrics(string directory)
        => File.ReadAllLines(Path.Combine(directory, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static double[] StepLosses(string directory)
        => Metrics(directory).Where(m => m.TryGetProperty("loss", out _)).Select(m => m.GetProperty("loss").GetDouble()).ToArray();

    [Fact]
    public void Train_writes_metrics_and_a_checkpoint_that_follows_the_format()
    {
        var dir = Directory.CreateTempSubdirectory("train").FullName;
        var result = ProgramRunner.Run(Tiny(ProgramRunner.Corpus(dir), Path.Combine(dir, "run"), 12));
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("finished 12 steps", result.Output);
        var metrics = Metrics(Path.Combine(dir, "run"));
        Assert.Equal("config", metrics[0].GetProperty("event").GetString());
        Assert.Equal(12, metrics.Count(m => m.TryGetProperty("loss", out _)));
        Assert.True(metrics[1].TryGetProperty("pre_clip_norm", out _));
        var checkpoint = SafeTensorsFile.Load(Path.Combine(dir, "run", "checkpoint.safetensors"));
        Assert.Equal("12", checkpoint.Metadata["step"]);
        Assert.Equal(new[] { 4 * 12, 6 }, checkpoint["lstm.weight_ih_l0"].Shape); // PyTorch's layout: [4H, E]
        Assert.True(checkpoint.Has("optimizer.exp_avg"));
        Assert.True(checkpoint.Has("state.c"));
    }

    [Fact]
    public void Training_on_the_gpu_backend_follows_the_cpu_run()
    {
        // The whole step (embedding, LSTM, softmax, BPTT, clip stage, Adam) on ILGPU's CPU accelerator:
        // the same losses as the CPU backend to within float rounding compounded over 6 steps, and
        // bit-identical from run to run.
        var dir = Directory.CreateTempSubdirectory("gpu-train").FullName;
        string corpus = ProgramRunner.Corpus(dir);
        double[] Losses(string device, string name)
        {
            var result = ProgramRunner.Run([.. Tiny(corpus, Path.Combine(dir, name), 6), "--device", device]);
            Assert.True(result.ExitCode == 0, result.Error + result.Output);
            return StepLosses(Path.Combine(dir, name));
        }
        var cpu = Losses("cpu", "cpu");
        var gpu = Losses("ilgpu-cpu", "gpu");
        Assert.Equal(6, gpu.Length);
        for (int i = 0; i < cpu.Length; i++) Assert.Equal(cpu[i], gpu[i], cpu[i] * 1e-5);
        Assert.Equal(gpu, Losses("ilgpu-cpu", "gpu-again"));
    }

    [Fact]
    public void Epochs_set_the_number_of_steps_from_the_corpus()
    {
        var dir = Directory.CreateTempSubdirectory("epochs").FullName;
        // 3,440 characters of which 3,096 train: 4 streams of 774, (774 - 1) / 8 = 96 steps per epoch; half an epoch is 48.
        string corpus = ProgramRunner.Corpus(dir);
        var args = Tiny(corpus, Path.Combine(dir, "run"), 1).Where(a => a != "--steps" && a != "1").Concat(["--epochs", "0.5"]).ToArray();
        var result = ProgramRunner.Run(args);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("finished 48 steps", result.Output);
    }

    [Fact]
    public void Resume_continues_bit_identically()
    {
        var dir = Directory.CreateTempSubdirectory("resume").FullName;
        string corpus = ProgramRunner.Corpus(dir);
        Assert.Equal(0, ProgramRunner.Run(Tiny(corpus, Path.Combine(dir, "whole"), 16)).ExitCode);
        Assert.Equal(0, ProgramRunner.Run(Tiny(corpus, Path.Combine(dir, "split"), 7)).ExitCode);
        var resumed = ProgramRunner.Run("train", "--resume", Path.Combine(dir, "split"), "--steps", "16", "--out", Path.Combine(dir, "split"));
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("resuming at step 7", resumed.Output);
        Assert.Equal(StepLosses(Path.Combine(dir, "whole")), StepLosses(Path.Combine(dir, "split")));
        var a = SafeTensorsFile.Load(Path.Combine(dir, "whole", "checkpoint.safetensors"));
        var b = SafeTensorsFile.Load(Path.Combine(dir, "split", "checkpoint.safetensors"));
        foreach (var t in a.Tensors) Assert.Equal(t.Data, b[t.Name].Data);
    }

    [Fact]
    public void Seconds_count_wall_time_from_the_first_step_across_a_resume()
    {
        var dir = Directory.CreateTempSubdirectory("seconds").FullName;
        string corpus = ProgramRunner.Corpus(dir), run = Path.Combine(dir, "run");
        Assert.Equal(0, ProgramRunner.Run(Tiny(corpus, run, 7)).ExitCode);
        double saved = double.Parse(SafeTensorsFile.Load(Path.Combine(run, "checkpoint.safetensors")).Metadata["seconds"], System.Globalization.CultureInfo.InvariantCulture);
        var resumed = ProgramRunner.Run("train", "--resume", run, "--steps", "12");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var seconds = Metrics(run).Where(m => m.TryGetProperty("loss", out _)).Select(m => m.GetProperty("seconds").GetDouble()).ToList();
        Assert.Equal(12, seconds.Count);
        Assert.True(seconds[0] > 0);
        for (int i = 1; i < seconds.Count; i++) Assert.True(seconds[i] >= seconds[i - 1], $"seconds fell from {seconds[i - 1]} to {seconds[i]} at line {i + 1}");
        Assert.InRange(saved, seconds[6], seconds[7]); // the checkpoint at step 7 holds the clock, and the resumed run starts from it
    }

    [Fact]
    public void Sample_is_reproducible_and_starts_with_the_prime()
    {
        var dir = Directory.CreateTempSubdirectory("sample").FullName;
        Assert.Equal(0, ProgramRunner.Run(Tiny(ProgramRunner.Corpus(dir), Path.Combine(dir, "run"), 5)).ExitCode);
        string[] args = ["sample", Path.Combine(dir, "run"), "--prime", "To be", "--length", "40", "--temperature", "0.9", "--top-k", "5", "--seed", "7"];
        var first = ProgramRunner.Run(args);
        Assert.Equal(0, first.ExitCode);
        Assert.StartsWith("To be", first.Output);
        Assert.Equal(45, first.Output.TrimEnd('\n').Length);
        Assert.Equal(first.Output, ProgramRunner.Run(args).Output);
    }

    [Fact]
    public void Bench_holds_every_gemm_shape_against_a_peak_measured_beside_it()
    {
        var result = ProgramRunner.Run("bench", "--only", "gemm", "--seconds", "0");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Single(lines, l => l.GetProperty("bench").GetString() == "fma_peak");
        var shapes = lines.Where(l => l.GetProperty("bench").GetString() == "sgemm").ToArray();
        Assert.Equal(18, shapes.Length);   // six GEMMs for each of the benchmark's three configurations
        foreach (var s in shapes)
        {
            double g = s.GetProperty("gflops").GetDouble(), peak = s.GetProperty("peak_gflops").GetDouble();
            Assert.True(g > 0 && peak > 0);
            // Both printed to 0.1 GFLOP/s; the ratio is of the unrounded figures.
            double ratio = g / peak, slack = 0.06 / peak * (1 + ratio) + 0.0005;
            Assert.InRange(s.GetProperty("of_peak").GetDouble(), ratio - slack, ratio + slack);
        }
    }

    [Fact]
    public void Bench_times_one_given_shape_and_reports_its_memory()
    {
        var result = ProgramRunner.Run("bench", "--only", "train", "--cells", "gru", "--shape", "3/2/4/5", "--seconds", "0");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var step = Assert.Single(lines, l => l.GetProperty("bench").GetString() == "train_step");
        Assert.Equal("gru", step.GetProperty("cell").GetString());
        Assert.Equal([3, 2, 4, 5], new[] { "t", "b", "i", "h" }.Select(k => step.GetProperty(k).GetInt32()));
        double median = step.GetProperty("ms_per_step_median").GetDouble(), clip = step.GetProperty("clip_ms_median").GetDouble();
        Assert.True(step.GetProperty("steps_timed").GetInt32() >= 10);
        Assert.InRange(median, step.GetProperty("ms_min").GetDouble(), step.GetProperty("ms_max").GetDouble());
        // Tokens per second is T * B over the median step; the median is printed to 0.001 ms, the rate to 0.1.
        double tokens = 3 * 2 * 1000.0;
        Assert.InRange(step.GetProperty("tokens_per_s").GetDouble(), tokens / (median + 0.0005) - 0.05, tokens / Math.Max(median - 0.0005, 1e-9) + 0.05);
        // The clip stage is part of the step; its share is its median over the step's (each printed rounded).
        Assert.InRange(clip, 0, median + 0.0005);
        double share = step.GetProperty("clip_share_of_step").GetDouble();
        Assert.InRange(share, 0, 1);
        Assert.InRange(share, clip / (median + 0.0005) - 0.0001 - 0.00005 / median, (clip + 0.00005) / Math.Max(median - 0.0005, 1e-9) + 0.0001);
        if (OperatingSystem.IsLinux()) Assert.True(step.GetProperty("peak_rss_growth_mb").GetDouble() >= 0);
    }
}
