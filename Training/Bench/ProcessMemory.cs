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
