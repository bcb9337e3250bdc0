// Checkpoints survive kills: a real training process is killed with SIGKILL at 20 different moments
// (checkpoints are written at every step, so many kills land inside a write), and after each kill the
// last checkpoint loads and the run resumes from it. SIGINT, SIGTERM and SIGHUP save a checkpoint and
// exit with the shell's code for the signal.
using System.Diagnostics;
using Engine.Tests.Support;
using Engine.Training.Checkpoints;
using Xunit;

namespace Engine.Tests.Reliability;

[Collection(ProgramCollection.Name)]
public class KillTests
{
    private static Process Start(params string[] args) => CliProcess.Start(null, args);

    private static void WaitFor(Func<bool> condition, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited && !condition()) Thread.Sleep(20);
    }

    private static bool LockHeldBy(string output, Process process)
    {
        try { return File.ReadAllText(Path.Combine(output, ".lock")).Trim() == process.Id.ToString(); }
        catch (IOException) { return false; }
    }

    private static string[] Train(string corpus, string output, params string[] extra) =>
    [
        "train", "--corpus", corpus, "--cell", "gru", "--layers", "1", "--hidden", "64", "--embedding", "8", "--seq", "8", "--batch", "4",
        "--steps", "1000000", "--val-every", "1000000", "--val-chars", "200", "--checkpoint-every", "1", "--out", output, .. extra,
    ];

    [Fact]
    public void The_last_good_checkpoint_survives_twenty_sigkills()
    {
        var dir = Directory.CreateTempSubdirectory("kill").FullName;
        string corpus = ProgramRunner.Corpus(dir), output = Path.Combine(dir, "run"), checkpoint = Path.Combine(output, "checkpoint.safetensors");
        var rng = new Rng(20);
        int lastStep = 0, found = 0;
        for (int kill = 0; kill < 20; kill++)
        {
            bool resume = File.Exists(checkpoint);
            // A run killed before its first checkpoint leaves a folder holding a run: the next fresh start replaces it.
            using var process = resume ? Start("train", "--resume", output) : Start([.. Train(corpus, output), "--force"]);
            // Kill at a random moment after training began (a resumed process holds the run's lock from
            // then on; a fresh one has written its first checkpoint), so a slow start-up on a loaded
            // machine does not use up the delay.
            WaitFor(() => resume ? LockHeldBy(output, process) : File.Exists(checkpoint), process);
            Thread.Sleep(TimeSpan.FromSeconds(0.2 + rng.NextDouble()));
            process.Kill();
            process.WaitForExit();
            if (!File.Exists(checkpoint)) continue;
            var saved = Checkpoint.Load(checkpoint); // never torn: atomic rename
            int step = int.Parse(saved.Meta("step"));
            Assert.True(step >= lastStep, $"kill {kill}: checkpoint went back from step {lastStep} to {step}");
            lastStep = step;
            found++;
        }
        Assert.True(found >= 15, $"only {found} of 20 kills left a checkpoint to check");
        // And the survivor resumes: two more steps from wherever it stands.
        var resumed = ProgramRunner.Run("train", "--resume", output, "--steps", (lastStep + 2).ToString(), "--out", output);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"resuming at step {lastStep}", resumed.Output);
        Assert.Empty(Directory.EnumerateFiles(output, "*.tmp")); // temporaries of interrupted writes are cleared
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    [InlineData("HUP", 129)]
    public void A_signal_saves_a_checkpoint_and_exits_with_its_conventional_code(string signal, int code)
    {
        var dir = Directory.CreateTempSubdirectory("signal").FullName;
        string output = Path.Combine(dir, "run");
        using var process = Start(Train(ProgramRunner.Corpus(dir), output));
        // Wait until training is under way (the first checkpoint is written after step 1).
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(output, "checkpoint.safetensors")) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
        CliProcess.Signal(process, signal);
        Assert.True(process.WaitForExit(30_000), $"the process did not stop after SIG{signal}");
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.Equal(code, process.ExitCode);
        Assert.Contains("interrupted at step", stdout);
        var saved = Checkpoint.Load(Path.Combine(output, "checkpoint.safetensors"));
        Assert.Contains($"interrupted at step {saved.Meta("step")}", stdout);
        Assert.False(File.Exists(Path.Combine(output, ".lock")), "the lock is released at the end");
    }
}
