// InlineSvg: prepares a chart's SVG for embedding in report.html. ScottPlot gives every SVG the same
// ids (img_0, cl_1, ...); inlined side by side, a reference such as href="#img_0" in the third chart
// would draw the first chart's bitmap. Each id and every reference to it gets the chart's own prefix.
using System.Text.RegularExpressions;

namespace Engine.Training.Reports;

public static partial class InlineSvg
{
    [GeneratedRegex("\\bid=\"([^\"]+)\"")]
    private static partial Regex Id();

    /// <summary>The SVG without its XML declaration, with every id (and reference to it) prefixed by prefix.</summary>
    public static string Embed(string svg, string prefix)
    {
        svg = svg[svg.IndexOf("<svg", StringComparison.Ordinal)..];
        var ids = Id().Matches(svg).Select(m => m.Groups[1].Value).Distinct().ToList();
        foreach (var id in ids)
        {
            string unique = $"{prefix}-{id}";
            svg = svg.Replace($"id=\"{id}\"", $"id=\"{unique}\"")
                .Replace($"href=\"#{id}\"", $"href=\"#{unique}\"")
                .Replace($"url(#{id})", $"url(#{unique})");
        }
        return svg;
    }
}
