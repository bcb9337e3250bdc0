// ReportWriter: turns a ComparisonRecord into a report directory: report.html (self-contained: CSS and
// SVG charts inline, each with its own ids, nothing fetched), every chart as PNG and SVG files, and
// summary.json with every figure of the tables (its field names are read by scripts: keep them).
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engine.Training.Experiments;
using Engine.Training.Telemetry;
using ScottPlot;

namespace Engine.Training.Reports;

public static class ReportWriter
{
    public const string PageFile = "report.html", SummaryFile = "summary.json";

    /// <summary>Whether a file name is one a report writes into its folder (its page, summary or a chart).</summary>
    public static bool IsReportFile(string name) => name is PageFile or SummaryFile
        || (Path.GetExtension(name) is ".png" or ".svg" && Path.GetFileNameWithoutExtension(name) is "loss" or "grad_norm" or "clip" or "sweep" or "validation_time" or "through_time" or "through_depth" or "success" || name.StartsWith("heatmap_", StringComparison.Ordinal));

    /// <summary>The sentence a step chart's caption adds when its lines are window means.</summary>
    private static string Windows(Charts charts, string what) => charts.Window == 1 ? ""
        : string.Create(CultureInfo.InvariantCulture, $" Each line point is {what} over a window of {charts.Window} steps, drawn at the window's last step; the median over seeds is that of the seeds' window means.");

    /// <summary>Writes the report and returns the path of report.html.</summary>
    public static string Write(ComparisonRecord record, string directory)
    {
        Directory.CreateDirectory(directory);
        var charts = new Charts(record);
        var figures = new List<(string Id, string Caption, Plot Plot)>
        {
            ("loss", "Training loss (lines) and validation loss (diamonds). A diverged seed stops at its divergence step (dotted line)."
                + Windows(charts, "the mean training loss"), charts.Loss()),
            ("grad_norm", "Global gradient norm before clipping, log scale, with each clip threshold dashed (one line for the runs that share it) and each run's spikes (a norm over 10x the median of the 50 steps before it) circled."
                + Windows(charts, "the geometric mean of the norms (spikes are circled at their own step)"), charts.GradientNorm()),
            ("clip", "The clip stage's scale at each clipped step, and the running fraction of steps it clipped."
                + Windows(charts, "the mean of the running fraction"), charts.Clipping()),
        };
        if (charts.HasValidationTime) figures.Add(("validation_time", "Validation loss against wall-clock time since each run's first step, validations and checkpoints included: which run reaches a given loss sooner on this machine.", charts.ValidationOverTime()));
        if (charts.HasLengths) figures.Add(("success", "The share of seeds that solved the task (under 1% of fresh sequences wrong) at each sequence length, per run: the chart of Pascanu et al. (2013, Fig. 7) for this budget.", charts.Success()));
        if (charts.HasTime) figures.Add(("through_time", "How much of the gradient at the last time step reaches each earlier one (last layer; each run's median over the last quarter of the steps where ||dL/dh_t|| was recorded; the text above gives the start of training too). A line falling to the left by orders of magnitude is the gradient vanishing back through time; a rising one, exploding.", charts.ThroughTime()));
        if (charts.HasDepth) figures.Add(("through_depth", "How much of the top layer's gradient reaches each layer below it (mean over the time steps; median over the last quarter of the recorded steps). A line falling to the left is the gradient vanishing down through depth; a rising one, exploding.", charts.ThroughDepth()));
        var groups = record.Groups;
        for (int g = 0; g < groups.Count; g++)
            if (groups[g].Seeds[0].HiddenNorms.Count > 0)
                figures.Add(($"heatmap_{g}", $"Backpropagation through time in '{groups[g].Name}' (seed {groups[g].Seeds[0].Seed}): ||dL/dh_t|| for each time step t of the chunk (x) at each training step (y; a recorded step's row holds until the next record). Bright at the right and dark at the left is vanishing; a bright band is an exploding step.", Charts.HiddenNorms(groups[g].Seeds[0])));
        if (record.Sweep.Count > 0) figures.Add(("sweep", "Final loss for each threshold of the sweep (median over the seeds that did not diverge); a threshold where every seed diverged is crossed at the top.", charts.Sweep()));

        var html = new StringBuilder();
        html.Append(Header(record));
        html.Append("<ul class='story'>").AppendJoin("", Story.Tell(record).Select(s => $"<li>{WebUtility.HtmlEncode(s)}</li>")).Append("</ul>");
        html.Append(GroupTable(record, charts.Colours));
        if (record.Advice is { } advice)
            html.Append($"<div class='advice'><b>Suggested threshold: norm:{advice.Threshold.ToString("G3", CultureInfo.InvariantCulture)}</b> &mdash; {WebUtility.HtmlEncode(advice.Reason)}. "
                + (advice.VerifiedVerdict is { } v ? $"Checked by training (last: <span class='{Css(v)}'>{Verdicts.Name(v)}</span>): {WebUtility.HtmlEncode(Story.Checked(advice))}." : "Not verified (no run was trained at it).")
                + "</div>");
        foreach (var (id, caption, plot) in figures)
        {
            plot.SavePng(Path.Combine(directory, id + ".png"), Charts.Width, Charts.Height);
            plot.SaveSvg(Path.Combine(directory, id + ".svg"), Charts.Width, Charts.Height);
            string svg = InlineSvg.Embed(plot.GetSvgXml(Charts.Width, Charts.Height), id);
            html.Append($"<figure class='chart' id='chart-{id}'>{svg}<figcaption>{WebUtility.HtmlEncode(caption)}</figcaption></figure>");
        }
        html.Append(SeedTable(record, charts.Colours));
        html.Append("</body></html>");
        string path = Path.Combine(directory, PageFile);
        File.WriteAllText(path, html.ToString());
        File.WriteAllText(Path.Combine(directory, SummaryFile), JsonSerializer.Serialize(Summary(record), SummaryJson));
        return path;
    }

    /// <summary>Every field is written, null ones too (scripts test for null); NaN and infinity as strings.</summary>
    private static readonly JsonSerializerOptions SummaryJson = new(MetricsWriter.Json) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static object Summary(ComparisonRecord record) => new
    {
        record.Preset,
        record.Description,
        record.Settings,
        Runs = record.Runs.Select(r => new
        {
            r.Name,
            r.Clip,
            r.Overrides,
            r.Seed,
            Verdict = Verdicts.Name(r.Verdict),
            r.DivergedAtStep,
            r.DivergedReason,
            r.SpikeRatio,
            r.Spikes,
            r.InitialLoss,
            r.FinalTrainLoss,
            r.FinalValidationLoss,
            r.Accuracy,
            r.Solved,
            r.Series,
            r.TaskSteps,
            TimeReachStart = GradientReach.TimeReach(r, TrainingPhase.Start),
            TimeReachEnd = GradientReach.TimeReach(r, TrainingPhase.End),
            DepthReachStart = GradientReach.DepthReach(r, TrainingPhase.Start),
            DepthReachEnd = GradientReach.DepthReach(r, TrainingPhase.End),
            r.ClipRate,
            Steps = r.Steps.Count,
            r.Seconds,
            r.Metrics,
        }),
        Groups = record.Groups.Select(g => new
        {
            g.Name,
            g.Clip,
            Seeds = g.Seeds.Count,
            Diverged = g.Count(Verdict.Diverged),
            DidNotLearn = g.Count(Verdict.DidNotLearn),
            Trained = g.Count(Verdict.Trained),
            FinalValidationLossMedian = g.MedianFinalValidationLoss,
            FinalValidationLossMin = g.MinFinalValidationLoss,
            FinalValidationLossMax = g.MaxFinalValidationLoss,
            ClipRateMedian = g.MedianClipRate,
        }),
        record.SweepKind,
        record.Sweep,
        Advice = record.Advice is { } a ? new
        {
            a.Threshold,
            a.Rule,
            VerifiedVerdict = a.VerifiedVerdict is { } v ? Verdicts.Name(v) : null,
            VerifiedBy = record.AdviceRun,
            VerifiedThreshold = a.Verified?.Threshold,
            Attempts = a.Attempts.Select(t => new { t.Threshold, t.Run, Verdict = Verdicts.Name(t.Verdict) }),
            a.QuietMedian,
            a.QuietSteps,
            a.QuietShareAbove,
            a.Reason,
        } : null,
    };

    private static string Header(ComparisonRecord record)
    {
        var settings = string.Join("", record.Settings.Select(kv => $"<span><b>{WebUtility.HtmlEncode(kv.Key)}</b> {WebUtility.HtmlEncode(kv.Value)}</span>"));
        return $$"""
            <!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Engine comparison: {{WebUtility.HtmlEncode(record.Preset)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 940px; color: #222; }
            h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 2em; } p.lead { color: #555; margin-top: 0; }
            .settings span { display: inline-block; background: #f3f3f3; border-radius: 4px; padding: 2px 8px; margin: 2px; font-size: 0.85em; }
            ul.story { font-size: 0.95em; line-height: 1.45; }
            table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: 0.88em; }
            th, td { border-bottom: 1px solid #ddd; padding: 5px 7px; text-align: right; } th:first-child, td:first-child { text-align: left; }
            .bad { color: #c00; font-weight: bold; } .warn { color: #b36200; font-weight: bold; } .good { color: #070; font-weight: bold; }
            .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
            .advice { background: #eef6ff; border-left: 4px solid #1f77b4; padding: 8px 12px; margin: 1em 0; font-size: 0.92em; }
            figure { margin: 1.5em 0; } figcaption { color: #555; font-size: 0.85em; } svg { max-width: 100%; height: auto; }
            </style></head><body>
            <h1>Comparison: {{WebUtility.HtmlEncode(record.Preset)}}</h1>
            <p class='lead'>{{WebUtility.HtmlEncode(record.Description)}}</p>
            <div class='settings'>{{settings}}</div>
            """;
    }

    /// <summary>The colour class of a verdict: only trained is green; not learning is amber, diverging red.</summary>
    private static string Css(Verdict v) => v switch
    {
        Verdict.Trained => "good",
        Verdict.DidNotLearn => "warn",
        Verdict.Diverged => "bad",
        _ => throw new ArgumentOutOfRangeException(nameof(v), v, "unknown verdict"),
    };

    private static string Swatch(RunColours colours, string name) => $"<span class='swatch' style='background:{colours.Of(name).ToHex()}'></span>{WebUtility.HtmlEncode(name)}";

    private static string GroupTable(ComparisonRecord record, RunColours colours)
    {
        bool task = record.Runs.Any(r => r.Accuracy is not null);
        var sb = new StringBuilder("<table id='summary'><tr><th>run</th><th>clip</th><th>seeds</th><th>diverged</th><th>did not learn</th><th>trained</th>");
        sb.Append(task ? "<th>accuracy (median, range)</th>" : "<th>final validation loss (median, range)</th>");
        sb.Append("<th>clip rate (median)</th><th>spikes</th></tr>");
        foreach (var g in record.Groups)
        {
            sb.Append($"<tr><td>{Swatch(colours, g.Name)}</td><td>{WebUtility.HtmlEncode(g.Clip + (g.Seeds[0].Overrides.Length > 0 ? "; " + g.Seeds[0].Overrides : ""))}</td><td>{g.Seeds.Count}</td>");
            sb.Append($"<td class='{(g.Count(Verdict.Diverged) > 0 ? "bad" : "")}'>{g.Count(Verdict.Diverged)}</td><td class='{(g.Count(Verdict.DidNotLearn) > 0 ? "warn" : "")}'>{g.Count(Verdict.DidNotLearn)}</td>");
            sb.Append($"<td class='{(g.Count(Verdict.Trained) == g.Seeds.Count ? "good" : "")}'>{g.Count(Verdict.Trained)}</td>");
            sb.Append(task
                ? $"<td>{MedianRange(g.Accuracies.Select(a => a * 100).ToList(), "F1", "%")}</td>"
                : $"<td>{MedianRange(g.FinalValidationLosses, "F4", "")}</td>");
            sb.Append($"<td>{g.MedianClipRate.ToString("P1", CultureInfo.InvariantCulture)}</td><td>{g.Seeds.Sum(s => s.Spikes.Count)}</td></tr>");
        }
        return sb.Append("</table>").ToString();
    }

    private static string SeedTable(ComparisonRecord record, RunColours colours)
    {
        bool task = record.Runs.Any(r => r.Accuracy is not null);
        var sb = new StringBuilder("<h2>Every run and seed</h2><table id='seeds'><tr><th>run</th><th>seed</th><th>verdict</th><th>diverged at</th><th>spike ratio</th><th>initial loss</th><th>final train loss</th>");
        sb.Append(task ? "<th>accuracy</th>" : "<th>final validation loss</th>");
        sb.Append("<th>clip rate</th><th>spikes (step: ratio)</th><th>time (s)</th><th>metrics</th></tr>");
        foreach (var r in record.Runs)
        {
            string spikes = string.Join(", ", r.Spikes.Take(5).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Step}: {s.Ratio:G3}x"))) + (r.Spikes.Count > 5 ? $" and {r.Spikes.Count - 5} more" : "");
            sb.Append($"<tr><td>{Swatch(colours, r.Name)}</td><td>{r.Seed}</td><td class='{Css(r.Verdict)}' title='{WebUtility.HtmlEncode(r.DivergedReason ?? "")}'>{Verdicts.Name(r.Verdict)}</td>");
            sb.Append($"<td>{(r.DivergedAtStep is { } d ? $"{d} ({WebUtility.HtmlEncode(r.DivergedReason)})" : "&ndash;")}</td><td>{Number(r.SpikeRatio, "G3")}</td>");
            sb.Append($"<td>{Number(r.InitialLoss, "F4")}</td><td>{Number(r.FinalTrainLoss, "F4")}</td>");
            sb.Append(task ? $"<td>{(r.Accuracy is { } a ? a.ToString("P1", CultureInfo.InvariantCulture) : "&ndash;")}</td>" : $"<td>{Number(r.FinalValidationLoss, "F4")}</td>");
            sb.Append($"<td>{r.ClipRate.ToString("P1", CultureInfo.InvariantCulture)}</td><td>{(spikes.Length > 0 ? spikes : "&ndash;")}</td><td>{r.Seconds.ToString("F1", CultureInfo.InvariantCulture)}</td>");
            sb.Append($"<td>{(r.Metrics is { } m ? $"<a href='{WebUtility.HtmlEncode(m.Replace('\\', '/'))}'>metrics.jsonl</a>" : "&ndash;")}</td></tr>");
        }
        return sb.Append("</table>").ToString();
    }

    private static string MedianRange(IReadOnlyList<double> values, string format, string unit) => values.Count == 0 ? "&ndash;"
        : string.Create(CultureInfo.InvariantCulture, $"{Statistics.Median(values).ToString(format, CultureInfo.InvariantCulture)}{unit} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}&ndash;{values.Max().ToString(format, CultureInfo.InvariantCulture)})");

    private static string Number(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "&ndash;";
}
