// `compare` on a small user-defined comparison (own corpus, an LSTM, per-run options, two seeds) and
// `report` on two `train` runs, end to end: summary.json fields, per-run metrics files, report files,
// pairing of runs with one seed, and refusal of a report folder that holds an earlier comparison.
using System.Text.Json;
using System.Text.RegularExpressions;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Experiments;

[Collection(ProgramCollection.Name)]
public class CompareEndToEndTests
{
    private static string[] Small(string corpus, string output) =>
    [
        "compare", "--corpus", corpus, "--cell", "lstm", "--hidden", "16", "--layers", "1", "--embedding", "8", "--batch", "4", "--seq", "16",
        "--steps", "12", "--val-every", "6", "--val-chars", "400", "--optimizer", "adam", "--lr", "0.01", "--hidden-norms-every", "5",
        "--run", "plain=none", "--run", "tight=norm:0.5,lr=0.003,momentum=0", "--seeds", "2", "--out", output,
    ];

    private static List<JsonElement> Lines(string file) => File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public void A_user_defined_comparison_over_two_seeds_writes_summary_metrics_and_report()
    {
        var dir = Directory.CreateTempSubdirectory("compare").FullName;
        string output = Path.Combine(dir, "report");
        var result = ProgramRunner.Run(Small(ProgramRunner.Corpus(dir), output));
        Assert.True(result.ExitCode == 0, result.Error + result.Output);

        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json"))).RootElement;
        var runs = summary.GetProperty("runs").EnumerateArray().ToList();
        // Two runs x two seeds, then the run at the suggested threshold with both seeds.
        Assert.Equal(["plain", "plain", "tight", "tight", "suggested", "suggested"], runs.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal([1UL, 2UL, 1UL, 2UL, 1UL, 2UL], runs.Select(r => r.GetProperty("seed").GetUInt64()));
        Assert.Equal(["none", "none", "norm:0.5", "norm:0.5"], runs.Take(4).Select(r => r.GetProperty("clip").GetString()));
        Assert.Equal("lr=0.003,momentum=0", runs[2].GetProperty("overrides").GetString());
        foreach (var run in runs)
        {
            string verdict = run.GetProperty("verdict").GetString()!;
            Assert.Contains(verdict, new[] { "diverged", "did-not-learn", "trained" });
            bool diverged = verdict == "diverged";
            Assert.Equal(diverged, run.GetProperty("diverged_at_step").ValueKind == JsonValueKind.Number);
            Assert.Equal(diverged, run.GetProperty("diverged_reason").ValueKind == JsonValueKind.String);
            Assert.Equal(diverged, run.GetProperty("spike_ratio").ValueKind != JsonValueKind.Null);
            Assert.Equal(JsonValueKind.Array, run.GetProperty("spikes").ValueKind);
            foreach (var field in new[] { "initial_loss", "final_train_loss", "clip_rate", "seconds" })
                Assert.Equal(JsonValueKind.Number, run.GetProperty(field).ValueKind);
            if (!diverged)
            {
                double validation = run.GetProperty("final_validation_loss").GetDouble();
                Assert.Equal(validation < run.GetProperty("initial_loss").GetDouble() ? "trained" : "did-not-learn", verdict);
            }

            // The run's own metrics.jsonl, with the lines `train` writes and named parameter norms.
            string metrics = Path.Combine(output, run.GetProperty("metrics").GetString()!);
            var lines = Lines(metrics);
            Assert.Equal("config", lines[0].GetProperty("event").GetString());
            Assert.Equal(run.GetProperty("seed").GetUInt64(), lines[0].GetProperty("config").GetProperty("seed").GetUInt64());
            Assert.Equal("end", lines[^1].GetProperty("event").GetString());
            var steps = lines.Where(l => l.TryGetProperty("loss", out _)).ToList();
            Assert.Equal(diverged ? run.GetProperty("diverged_at_step").GetInt32() : 12, steps.Count);
            Assert.Equal(run.GetProperty("initial_loss").GetDouble(), steps[0].GetProperty("loss").GetDouble());
            var norms = steps[0].GetProperty("parameter_norms").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Contains(norms, n => n.Contains("embed", StringComparison.OrdinalIgnoreCase));
            Assert.True(norms.Count >= 5, string.Join(",", norms));
            Assert.True(steps[0].TryGetProperty("hidden_grad_norms", out _));
        }
        Assert.Equal(6, runs.Select(r => r.GetProperty("metrics").GetString()).Distinct().Count());
        // The per-run option reached the run: its config line says lr 0.003, the base's 0.01.
        Assert.Equal(0.003, Lines(Path.Combine(output, runs[2].GetProperty("metrics").GetString()!))[0].GetProperty("config").GetProperty("learning_rate").GetDouble(), 6);
        Assert.Equal(0.01, Lines(Path.Combine(output, runs[0].GetProperty("metrics").GetString()!))[0].GetProperty("config").GetProperty("learning_rate").GetDouble(), 6);
        // Paired: one seed gives every run the same initial weights and first batch, so the same first loss;
        // another seed gives another.
        Assert.Equal(runs[0].GetProperty("initial_loss").GetDouble(), runs[2].GetProperty("initial_loss").GetDouble());
        Assert.Equal(runs[1].GetProperty("initial_loss").GetDouble(), runs[3].GetProperty("initial_loss").GetDouble());
        Assert.NotEqual(runs[0].GetProperty("initial_loss").GetDouble(), runs[1].GetProperty("initial_loss").GetDouble());

        var groups = summary.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["plain", "tight", "suggested"], groups.Select(g => g.GetProperty("name").GetString()));
        foreach (var g in groups)
            Assert.Equal(2, g.GetProperty("diverged").GetInt32() + g.GetProperty("did_not_learn").GetInt32() + g.GetProperty("trained").GetInt32());
        var advice = summary.GetProperty("advice");
        Assert.True(advice.GetProperty("threshold").GetDouble() > 0);
        Assert.Equal($"norm:{advice.GetProperty("threshold").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", runs[4].GetProperty("clip").GetString());
        Assert.Contains(advice.GetProperty("verified_verdict").GetString(), new[] { "diverged", "did-not-learn", "trained" });
        Assert.StartsWith("the median pre-clip gradient norm outside surges", advice.GetProperty("rule").GetString());

        string html = File.ReadAllText(Path.Combine(output, "report.html"));
        foreach (var chart in new[] { "loss", "grad_norm", "clip", "heatmap_0", "heatmap_1", "heatmap_2" })
        {
            Assert.Contains($"id='chart-{chart}'", html);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(Path.Combine(output, chart + ".png"))[..4]);
            Assert.StartsWith("<?xml", File.ReadAllText(Path.Combine(output, chart + ".svg")));
        }
        AssertChartsSelfContained(html);
    }

    /// <summary>Every id in report.html is defined once, and every reference (href="#x", url(#x)) points into its own figure.</summary>
    internal static void AssertChartsSelfContained(string html)
    {
        var ids = Regex.Matches(html, "\\bid=[\"']([^\"']+)[\"']").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (Match figure in Regex.Matches(html, "<figure class='chart' id='chart-([^']+)'>(.*?)</figure>", RegexOptions.Singleline))
        {
            string body = figure.Groups[2].Value;
            var own = Regex.Matches(body, "\\bid=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
            var references = Regex.Matches(body, "(?:href=\"#|url\\(#)([^\")]+)").Select(m => m.Groups[1].Value).ToList();
            Assert.All(references, r => Assert.Contains(r, own));
        }
    }

    [Fact]
    public void A_report_folder_holding_an_earlier_comparison_is_refused_unless_forced()
    {
        var dir = Directory.CreateTempSubdirectory("compare-out").FullName;
        string corpus = ProgramRunner.Corpus(dir);
        string output = Path.Combine(dir, "report");
        string[] args = ["compare", "--corpus", corpus, "--hidden", "8", "--embedding", "4", "--batch", "4", "--seq", "8", "--steps", "3", "--val-chars", "200",
            "--run", "a=none", "--run", "b=norm:1", "--out", output];
        Assert.Equal(0, ProgramRunner.Run(args).ExitCode);
        File.WriteAllText(Path.Combine(output, "heatmap_7.png"), "stale chart of an earlier comparison");
        File.WriteAllText(Path.Combine(output, "notes.txt"), "the user's own file");
        var refused = ProgramRunner.Run(args);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"error: --out '{output}' already holds files", refused.Error);
        var forced = ProgramRunner.Run([.. args, "--force"]);
        Assert.True(forced.ExitCode == 0, forced.Error);
        Assert.False(File.Exists(Path.Combine(output, "heatmap_7.png")));
        Assert.True(File.Exists(Path.Combine(output, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(output, "summary.json")));
    }

    [Fact]
    public void Run_names_must_be_unique_and_per_run_options_are_checked_as_train_checks_them()
    {
        var duplicate = ProgramRunner.Run("compare", "--run", "a=none", "--run", "a=norm:1", "--steps", "1");
        Assert.Equal("error: run name 'a' is given twice; every run needs its own name", duplicate.Error.Trim());
        var unknown = ProgramRunner.Run("compare", "--run", "a=none,speed=3");
        Assert.StartsWith("error: --run 'a=none,speed=3':", unknown.Error);
        var badValue = ProgramRunner.Run("compare", "--run", "a=none,hidden=lots");
        Assert.StartsWith("error: --run 'a=none,hidden=lots':", badValue.Error);
        var invalid = ProgramRunner.Run("compare", "--run", "a=none,cell=transformer", "--steps", "1");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("transformer", invalid.Error);
        Assert.Single(invalid.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Report_draws_train_runs_from_their_metrics()
    {
        var dir = Directory.CreateTempSubdirectory("report").FullName;
        string corpus = ProgramRunner.Corpus(dir);
        foreach (var (name, clip) in new[] { ("small", "none"), ("clipped", "norm:0.1") })
        {
            var trained = ProgramRunner.Run("train", "--corpus", corpus, "--cell", "gru", "--layers", "1", "--hidden", "8", "--embedding", "4", "--seq", "8", "--batch", "4",
                "--steps", "10", "--val-every", "5", "--val-chars", "200", "--clip", clip, "--hidden-norms-every", "3", "--out", Path.Combine(dir, name, "run"));
            Assert.True(trained.ExitCode == 0, trained.Error);
        }
        string output = Path.Combine(dir, "both");
        var result = ProgramRunner.Run("report", Path.Combine(dir, "small", "run"), Path.Combine(dir, "clipped", "run", "metrics.jsonl"), "--out", output);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json"))).RootElement;
        var runs = summary.GetProperty("runs").EnumerateArray().ToList();
        // Both folders are called "run": each name gets its parent folder's.
        Assert.Equal(["small/run", "clipped/run"], runs.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(["none", "norm:0.1"], runs.Select(r => r.GetProperty("clip").GetString()));
        Assert.Equal([10, 10], runs.Select(r => r.GetProperty("steps").GetInt32()));
        Assert.Equal(Path.Combine("..", "small", "run", "metrics.jsonl"), runs[0].GetProperty("metrics").GetString());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("advice").GetProperty("verified_verdict").ValueKind);
        string html = File.ReadAllText(Path.Combine(output, "report.html"));
        foreach (var chart in new[] { "loss", "grad_norm", "clip", "validation_time", "heatmap_0", "heatmap_1" }) Assert.Contains($"id='chart-{chart}'", html);
        AssertChartsSelfContained(html);
        // The runs' wall time is their last metrics line's clock.
        Assert.All(runs, r => Assert.True(r.GetProperty("seconds").GetDouble() > 0, r.ToString()));
        var missing = ProgramRunner.Run("report", Path.Combine(dir, "nothing-here"));
        Assert.StartsWith("error: '", missing.Error);
        Assert.Contains("holds no metrics.jsonl", missing.Error);
    }
}
