// OutputDirectory: where a run or a report is written. A default location never clobbers an earlier
// one: each use gets a fresh numbered folder under it (version_1, version_2, ..., as Lightning does).
// An explicit folder that already holds something is the caller's to refuse or to force.
using System.Globalization;

namespace Engine.Training.Runs;

public static class OutputDirectory
{
    public const string Prefix = "version_";

    /// <summary>
    /// Creates and returns parent/version_N with N one above the highest existing number. Two
    /// processes starting at once cannot get the same folder: each claims its number by creating a
    /// marker file that only one of them can create.
    /// </summary>
    public static string FreshNumbered(string parent)
    {
        Directory.CreateDirectory(parent);
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int next = HighestNumber(parent) + 1;
            string folder = Path.Combine(parent, Prefix + next.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            try
            {
                using (new FileStream(Path.Combine(folder, ".claimed"), FileMode.CreateNew, FileAccess.Write)) { }
                return folder;
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, ".claimed")))
            {
                // Another process took this number between our look and our claim: try the next one.
            }
        }
        throw new UserFacingException($"could not claim a fresh numbered folder under {parent}");
    }

    /// <summary>Whether the folder exists and holds any file or folder.</summary>
    public static bool HoldsAnything(string folder) =>
        Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any();

    private static int HighestNumber(string parent)
    {
        int highest = 0;
        foreach (var entry in Directory.EnumerateDirectories(parent, Prefix + "*"))
            if (int.TryParse(Path.GetFileName(entry)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                highest = Math.Max(highest, n);
        return highest;
    }
}
