// ProcessMemory: the resident-set high-water mark of this process, which counts what the managed
// figure does not (garbage not yet collected, the GC's own reserve, native buffers). It is measured the
// same way for libtorch (tools/libtorch-peer/memory.sh), so the two engines' peaks compare like for like.
// Linux only (/proc); elsewhere the figures are absent.
namespace Engine.Training.Bench;

public static class ProcessMemory
{
    /// <summary>Starts a measurement: resets the high-water mark to the current resident set and returns it (bytes), or null off Linux.</summary>
    public static long? ResetPeak() => OffLinuxNull(() =>
    {
        File.WriteAllText("/proc/self/clear_refs", "5"); // 5: reset the peak RSS to the current RSS
        return Read("VmRSS:");
    });

    /// <summary>
    /// How far the resident set rose above <paramref name="start"/> (ResetPeak's figure) since then, in
    /// bytes, or null off Linux. VmHWM can read below the start it was reset before: the kernel raises
    /// its mark lazily, so memory another thread touches and returns to the system (the GC decommits
    /// with madvise) between the reset and the read of the start is missed, and a second ResetPeak in the
    /// process lowers it. The peak since the reset is at least the level read at the start, so the
    /// growth is never below zero.
    /// </summary>
    public static long? PeakGrowthSince(long? start) => start is { } s && Peak() is { } peak ? Math.Max(peak, s) - s : null;

    /// <summary>The resident-set high-water mark since the last ResetPeak (bytes), or null off Linux.</summary>
    public static long? Peak() => OffLinuxNull(() => Read("VmHWM:"));

    private static long? OffLinuxNull(Func<long?> read)
    {
        try { return read(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static long? Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0]) * 1024; // the kernel writes kB
        return null;
    }
}
