// No run is lost or mixed up: a resume without --out continues in its own folder, plain runs each get
// a fresh numbered folder, an explicit folder holding another run is refused (and replaced only with
// --force), a second process on a live run's folder is refused by its lock, a live writer's temporary
// files survive another start, and a diverged run's closing message names only its own checkpoints.
using System.Diagnostics;
using System.Text.Json;
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Engine.Training.Runs;
using Xunit;

namespace Engine.Tests.Reliability;

[Collection(ProgramCollection.Name)]
public class RunDirectoryTests
{
    /// <summary>A tiny GRU run of 2 steps; overrides are option/value pairs replacing the defaults.</summary>
    private static string[] Tiny(string corpus, params string[] overrides)
    {
        var options = new Dictionary<string, string>
        {
            ["--corpus"] = corpus, ["--cell"] = "gru", ["--layers"] = "1", ["--hidden"] = "8", ["--embedding"] = "4", ["--seq"] = "8", ["--batch"] = "2",
            ["--steps"] = "2", ["--val-chars"] = "100", ["--val-every"] = "1000", ["--checkpoint-every"] = "1000",
        };
        for (int i = 0; i < overrides.Length; i += 2) options[overrides[i]] = overrides[i + 1];
        return ["train", .. options.SelectMany(kv => new[] { kv.Key, kv.Value })];
    }

    private static List<JsonElement> Metrics(string directory)
        => File.ReadAllLines(Path.Combine(directory, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static int StepOf(string directory) => int.Parse(Checkpoint.Load(Path.Combine(directory, "checkpoint.safetensors")).Meta("step"));

    [Fact]
    public void Resume_without_out_continues_in_the_resumed_folder()
    {
        var dir = Directory.CreateTempSubdirectory("resume-home").FullName;
        string corpus = ProgramRunner.Corpus(dir), a = Path.Combine(dir, "a");
        Assert.Equal(0, ProgramRunner.Run([.. Tiny(corpus), "--out", a]).ExitCode);
        var resumed = ProgramRunner.Run("train", "--resume", a, "--steps", "4", "--lr", "0.01");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(4, StepOf(a));
        var metrics = Metrics(a);
        var resume = Assert.Single(metrics, m => m.TryGetProperty("event", out var e) && e.GetString() == "resume");
        Assert.Equal(2, resume.GetProperty("step").GetInt32());
        Assert.Equal(["--steps", "--lr"], resume.GetProperty("changed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0.01f, resume.GetProperty("config").GetProperty("learning_rate").GetSingle());
        Assert.Equal(4, metrics.Count(m => m.TryGetProperty("loss", out _)));
        Assert.Contains($"checkpoint: {Path.Combine(a, "checkpoint.safetensors")}", resumed.Output);
    }

    [Fact]
    public void Plain_runs_each_get_a_fresh_numbered_folder()
    {
        var dir = Directory.CreateTempSubdirectory("default-out").FullName;
        string corpus = ProgramRunner.Corpus(dir);
        for (int i = 0; i < 2; i++)
        {
            var r = CliProcess.Run(dir, Tiny(corpus));
            Assert.True(r.ExitCode == 0, r.Error);
        }
        foreach (var version in new[] { "version_1", "version_2" })
        {
            string run = Path.Combine(dir, "runs", "train", version);
            Assert.Equal(2, StepOf(run));
            Assert.Single(Metrics(run), m => m.TryGetProperty("event", out var e) && e.GetString() == "config");
        }
    }

    [Fact]
    public void A_folder_holding_another_run_is_refused_and_replaced_only_with_force()
    {
        var dir = Directory.CreateTempSubdirectory("used-out").FullName;
        string corpus = ProgramRunner.Corpus(dir), out_ = Path.Combine(dir, "run");
        Assert.Equal(0, ProgramRunner.Run([.. Tiny(corpus), "--out", out_]).ExitCode);
        var before = Directory.GetFiles(out_).ToDictionary(f => f, File.ReadAllBytes);

        var refused = ProgramRunner.Run([.. Tiny(corpus, "--seed", "5"), "--out", out_]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"error: '{out_}' already holds another run (metrics.jsonl, checkpoint.safetensors, best.safetensors); resume it with --resume {out_}, choose another --out, or add --force to replace it\n", refused.Error);
        foreach (var (file, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(out_).Order());

        var forced = ProgramRunner.Run([.. Tiny(corpus, "--seed", "5"), "--out", out_, "--force"]);
        Assert.True(forced.ExitCode == 0, forced.Error);
        var metrics = Metrics(out_);
        Assert.Equal("config", metrics[0].GetProperty("event").GetString());
        Assert.Equal(5UL, metrics[0].GetProperty("config").GetProperty("seed").GetUInt64());
        Assert.Single(metrics, m => m.TryGetProperty("event", out var e) && e.GetString() == "config");
    }

    [Fact]
    public void A_second_process_on_a_live_runs_folder_is_refused_and_the_first_run_carries_on()
    {
        var dir = Directory.CreateTempSubdirectory("two-processes").FullName;
        string corpus = ProgramRunner.Corpus(dir), out_ = Path.Combine(dir, "run");
        string[] endless = [.. Tiny(corpus, "--steps", "1000000", "--val-every", "1000000", "--checkpoint-every", "1"), "--out", out_];
        using var first = CliProcess.Start(null, endless);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(out_, "checkpoint.safetensors")) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
        Assert.True(File.Exists(Path.Combine(out_, "checkpoint.safetensors")), "the first run never wrote a checkpoint");

        string expected = $"error: run directory '{out_}' is in use by process {first.Id} (lock file {Path.Combine(out_, RunDirectory.LockName)}); wait for that run to end or stop it\n";
        foreach (var second in new[] { [.. endless, "--force"], new[] { "train", "--resume", out_, "--steps", "1000000" } })
        {
            var r = ProgramRunner.Run(second);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal(expected, r.Error);
        }
        Thread.Sleep(500); // the first run keeps writing checkpoints (its temporaries untouched by the refused starts)
        CliProcess.Signal(first, "INT");
        Assert.True(first.WaitForExit(30_000));
        Assert.Equal("", first.StandardError.ReadToEnd());
        Assert.Equal(130, first.ExitCode);
        Assert.Single(Metrics(out_), m => m.TryGetProperty("event", out var e) && e.GetString() == "config");
        Assert.True(StepOf(out_) > 1);
    }

    [Fact]
    public void A_dead_holders_lock_and_temporaries_are_taken_over_and_a_live_writers_are_not()
    {
        var dir = Directory.CreateTempSubdirectory("stale").FullName;
        string corpus = ProgramRunner.Corpus(dir), out_ = Path.Combine(dir, "run");
        Assert.Equal(0, ProgramRunner.Run([.. Tiny(corpus), "--out", out_]).ExitCode);
        int dead = DeadPid();
        using var live = Process.Start("sleep", "60")!; // stands for another process in the middle of a write
        File.WriteAllText(Path.Combine(out_, RunDirectory.LockName), $"{dead}\n");
        string deadTemp = Path.Combine(out_, $".checkpoint.safetensors.{dead}.tmp");
        string liveTemp = Path.Combine(out_, $".checkpoint.safetensors.{live.Id}.tmp");
        File.WriteAllText(deadTemp, "partial");
        File.WriteAllText(liveTemp, "being written");
        var r = ProgramRunner.Run("train", "--resume", out_, "--steps", "3");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(3, StepOf(out_));
        Assert.False(File.Exists(deadTemp));
        Assert.True(File.Exists(liveTemp));
        Assert.False(File.Exists(Path.Combine(out_, RunDirectory.LockName)));
        live.Kill();
    }

    [Fact]
    public void A_diverged_runs_closing_message_names_no_other_runs_checkpoint()
    {
        var dir = Directory.CreateTempSubdirectory("diverged").FullName;
        string corpus = ProgramRunner.Corpus(dir), out_ = Path.Combine(dir, "run");
        Assert.Equal(0, ProgramRunner.Run([.. Tiny(corpus), "--out", out_]).ExitCode);
        // SGD at an absurd rate with nothing clipped or guarded: the loss explodes at step 2, before any checkpoint.
        string[] exploding = [.. Tiny(corpus, "--optimizer", "sgd", "--lr", "1e30", "--clip", "none", "--nonfinite", "propagate", "--steps", "50"), "--out", out_, "--force"];
        var r = ProgramRunner.Run(exploding);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("DIVERGED at step 2", r.Output);
        Assert.Contains("no checkpoint written", r.Output);
        Assert.False(File.Exists(Path.Combine(out_, "checkpoint.safetensors")), "the earlier run's checkpoint was replaced by --force");
    }

    /// <summary>The id of a process that has exited.</summary>
    private static int DeadPid()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }
}
