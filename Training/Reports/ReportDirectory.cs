// ReportDirectory: where a report goes. By default a fresh numbered folder (never an earlier one);
// an explicit folder that already holds files is refused unless forced, and forcing removes the
// earlier report's own files (its page, summary, charts and the metrics its summary lists) so that no
// stale chart or run is mixed into the new one. Nothing else in the folder is touched.
using System.Text.Json;
using Engine.Training.Runs;

namespace Engine.Training.Reports;

public static class ReportDirectory
{
    public static string Prepare(string? explicitFolder, bool force, string defaultParent)
    {
        if (explicitFolder is null) return OutputDirectory.FreshNumbered(defaultParent);
        if (OutputDirectory.HoldsAnything(explicitFolder))
        {
            if (!force) throw new UserFacingException($"--out '{explicitFolder}' already holds files (an earlier report?); choose another folder, or add --force to replace its report");
            RemoveEarlierReport(explicitFolder);
        }
        Directory.CreateDirectory(explicitFolder);
        return explicitFolder;
    }

    private static void RemoveEarlierReport(string folder)
    {
        string summary = Path.Combine(folder, ReportWriter.SummaryFile);
        if (File.Exists(summary))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(summary));
                if (doc.RootElement.TryGetProperty("runs", out var runs))
                    foreach (var run in runs.EnumerateArray())
                        if (run.TryGetProperty("metrics", out var m) && m.GetString() is { } relative && !Path.IsPathRooted(relative) && !relative.Contains(".."))
                            Delete(Path.Combine(folder, relative), folder);
            }
            catch (JsonException) { } // a damaged summary lists nothing to remove; the page and charts still go
        }
        foreach (var file in Directory.EnumerateFiles(folder))
            if (ReportWriter.IsReportFile(Path.GetFileName(file))) File.Delete(file);
    }

    /// <summary>Deletes file and then each folder it leaves empty, up to (not including) the report folder.</summary>
    private static void Delete(string file, string folder)
    {
        if (!File.Exists(file)) return;
        File.Delete(file);
        string top = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(file)); dir is not null && dir.Length > top.Length && dir.StartsWith(top, StringComparison.Ordinal)
                 && !Directory.EnumerateFileSystemEntries(dir).Any(); dir = Path.GetDirectoryName(dir))
            Directory.Delete(dir);
    }
}
