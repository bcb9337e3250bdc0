// ReportWriter: turns a ComparisonRecord into a report directory: report.html (self-contained: CSS and
// SVG charts inline, nothing fetched), every chart as PNG and SVG, and summary.json with every figure
// of the summary table. Also the short table printed in the terminal.
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Engine.Training.Experiments;
using Engine.Training.Telemetry;
using ScottPlot;

namespace Engine.Training.Reports;

public static class ReportWriter
{
    /// <summary>Writes the report and returns the path of report.html.</summary>
    public static string Write(ComparisonRecord record, string directory)
    {
        Directory.CreateDirectory(directory);
        var charts = new List<(string Id, string Caption, Plot Plot)>
        {
            ("loss", "Training loss (lines) and validation loss (diamonds). A diverged run stops at its divergence step (dotted line).", Charts.Loss(record)),
            ("grad_norm", "Global gradient norm before clipping, log scale, with the clip threshold dashed.", Charts.GradientNorm(record)),
            ("clip", "The clip stage's scale at each step, and the running fraction of steps it clipped.", Charts.Clipping(record)),
        };
        for (int r = 0; r < record.Runs.Count; r++)
            if (record.Runs[r].HiddenNorms.Count > 0)
                charts.Add(($"heatmap_{r}", $"Backpropagation through time in '{record.Runs[r].Name}': ||dL/dh_t|| for each time step t (x) at sampled training steps (y). Bright at the right and dark at the left is vanishing; bright rows are exploding steps.", Charts.HiddenNorms(record.Runs[r])));
        if (record.Sweep.Count > 0) charts.Add(("sweep", "Final loss for each threshold of the sweep; diverged runs are crossed at the top.", Charts.Sweep(record)));

        var html = new StringBuilder();
        html.Append(Header(record));
        html.Append(SummaryTable(record));
        if (record.Advice is { } advice)
            html.Append($"<div class='advice'><b>Suggested threshold: {advice.Threshold.ToString("G3", CultureInfo.InvariantCulture)}</b> &mdash; {WebUtility.HtmlEncode(advice.Reason)}.</div>");
        foreach (var (id, caption, plot) in charts)
        {
            plot.SavePng(Path.Combine(directory, id + ".png"), Charts.Width, Charts.Height);
            plot.SaveSvg(Path.Combine(directory, id + ".svg"), Charts.Width, Charts.Height);
            string svg = plot.GetSvgXml(Charts.Width, Charts.Height);
            svg = svg[svg.IndexOf("<svg", StringComparison.Ordinal)..]; // drop the XML declaration to inline it
            html.Append($"<figure class='chart' id='chart-{id}'>{svg}<figcaption>{WebUtility.HtmlEncode(caption)}</figcaption></figure>");
        }
        // For the headless-browser check: the number of chart figures that actually drew something.
        html.Append("<script>document.body.dataset.charts = String([...document.querySelectorAll('figure.chart')].filter(f => { const s = f.querySelector('svg'); if (!s) return false; const b = s.getBBox(); return s.querySelectorAll('path, image, rect').length > 2 && b.width > 0 && b.height > 0; }).length);</script>");
        html.Append("</body></html>");
        string path = Path.Combine(directory, "report.html");
        File.WriteAllText(path, html.ToString());
        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(Summary(record), SummaryJson));
        return path;
    }

    /// <summary>NaN and infinity are written as the strings "NaN" / "Infinity" (JSON has no such numbers).</summary>
    private static readonly JsonSerializerOptions SummaryJson = new(MetricsWriter.Json) { WriteIndented = true };

    public static object Summary(ComparisonRecord record) => new
    {
        record.Preset,
        record.Description,
        record.Settings,
        Runs = record.Runs.Select(r => new
        {
            r.Name,
            r.Clip,
            r.FinalTrainLoss,
            r.FinalValidationLoss,
            r.DivergedAtStep,
            r.DivergedReason,
            r.ClipRate,
            r.Seconds,
            r.Accuracy,
            r.Solved,
            Steps = r.Steps.Count,
        }),
        record.SweepKind,
        Sweep = record.Sweep,
        record.Advice,
    };

    private static string Header(ComparisonRecord record)
    {
        var settings = string.Join("", record.Settings.Select(kv => $"<span><b>{WebUtility.HtmlEncode(kv.Key)}</b> {WebUtility.HtmlEncode(kv.Value)}</span>"));
        return $$"""
            <!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Engine comparison: {{WebUtility.HtmlEncode(record.Preset)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 860px; color: #222; }
            h1 { font-size: 1.5em; margin-bottom: 0.2em; } p.lead { color: #555; margin-top: 0; }
            .settings span { display: inline-block; background: #f3f3f3; border-radius: 4px; padding: 2px 8px; margin: 2px; font-size: 0.85em; }
            table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: 0.92em; }
            th, td { border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: right; } th:first-child, td:first-child { text-align: left; }
            td.bad { color: #c00; font-weight: bold; } td.good { color: #070; font-weight: bold; }
            .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
            .advice { background: #eef6ff; border-left: 4px solid #1f77b4; padding: 8px 12px; margin: 1em 0; font-size: 0.92em; }
            figure { margin: 1.5em 0; } figcaption { color: #555; font-size: 0.85em; } svg { max-width: 100%; height: auto; }
            </style></head><body>
            <h1>Clipped vs unclipped: {{WebUtility.HtmlEncode(record.Preset)}}</h1>
            <p class='lead'>{{WebUtility.HtmlEncode(record.Description)}}</p>
            <div class='settings'>{{settings}}</div>
            """;
    }

    private static string SummaryTable(ComparisonRecord record)
    {
        bool task = record.Runs.Any(r => r.Accuracy is not null);
        var sb = new StringBuilder("<table id='summary'><tr><th>run</th><th>clip</th><th>final train loss</th>");
        sb.Append(task ? "<th>accuracy</th><th>solved</th>" : "<th>final validation loss</th>");
        sb.Append("<th>diverged at step</th><th>clip rate</th><th>time (s)</th></tr>");
        for (int r = 0; r < record.Runs.Count; r++)
        {
            var run = record.Runs[r];
            sb.Append($"<tr><td><span class='swatch' style='background:{Charts.ColorOf(r).ToHex()}'></span>{WebUtility.HtmlEncode(run.Name)}</td><td>{WebUtility.HtmlEncode(run.Clip)}</td><td>{Number(run.FinalTrainLoss)}</td>");
            sb.Append(task
                ? $"<td>{(run.Accuracy is { } a ? a.ToString("P1", CultureInfo.InvariantCulture) : "")}</td><td class='{(run.Solved == true ? "good" : "bad")}'>{(run.Solved == true ? "yes" : "no")}</td>"
                : $"<td>{Number(run.FinalValidationLoss)}</td>");
            sb.Append(run.DivergedAtStep is { } d ? $"<td class='bad'>{d}</td>" : "<td class='good'>no</td>");
            sb.Append($"<td>{run.ClipRate.ToString("P1", CultureInfo.InvariantCulture)}</td><td>{run.Seconds.ToString("F1", CultureInfo.InvariantCulture)}</td></tr>");
        }
        return sb.Append("</table>").ToString();
    }

    private static string Number(double? v) => v is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : "&ndash;";
}
