// RunDirectory: a training run's folder, held by one run at a time. A lock file (.lock, holding the
// process id) refuses a second process on the same folder; a lock whose process is gone is taken over.
// A folder that already holds another run is refused unless the caller forces a fresh start, which
// removes that run's files (and only those). Temporary files of interrupted checkpoint writes are
// removed only when the process that wrote them is gone.
using System.Diagnostics;
using System.Globalization;

namespace Engine.Training.Runs;

public enum RunClaim
{
    /// <summary>A fresh run: the folder must not hold another run.</summary>
    Fresh,
    /// <summary>A fresh run that replaces whatever run the folder holds (--force).</summary>
    Replace,
    /// <summary>A resumed run continuing in its own folder.</summary>
    Continue,
}

public sealed class RunDirectory : IDisposable
{
    public const string LockName = ".lock";

    /// <summary>The files a run writes; a folder holding any of them holds a run.</summary>
    public static readonly string[] RunFiles = ["metrics.jsonl", "checkpoint.safetensors", "best.safetensors"];

    private readonly FileStream lockFile;

    public string Path { get; }

    private RunDirectory(string path, FileStream lockFile)
    {
        Path = path;
        this.lockFile = lockFile;
    }

    /// <summary>Creates the folder if needed, takes its lock, and checks (or clears) what it holds.</summary>
    public static RunDirectory Claim(string path, RunClaim claim)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UserFacingException("--out is empty; give a directory for the run");
        if (File.Exists(path)) throw new UserFacingException($"--out '{path}' is a file, not a directory");
        try { Directory.CreateDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"run directory '{path}' cannot be created ({(e is UnauthorizedAccessException ? "permission denied" : "an input/output error")})");
        }
        var directory = new RunDirectory(path, TakeLock(path));
        try
        {
            if (claim != RunClaim.Continue && HoldsRun(path))
            {
                if (claim == RunClaim.Fresh)
                    throw new UserFacingException($"'{path}' already holds another run ({string.Join(", ", RunFiles.Where(f => File.Exists(System.IO.Path.Combine(path, f))))}); resume it with --resume {path}, choose another --out, or add --force to replace it");
                foreach (var file in RunFiles) File.Delete(System.IO.Path.Combine(path, file));
            }
            RemoveStaleTemporaries(path);
            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public static bool HoldsRun(string path) => RunFiles.Any(f => File.Exists(System.IO.Path.Combine(path, f)));

    private static FileStream TakeLock(string path)
    {
        string lockPath = System.IO.Path.Combine(path, LockName);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var stream = new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete);
                stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
                stream.Flush(flushToDisk: true);
                return stream;
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                int? holder = ReadPid(lockPath);
                if (holder is { } pid && IsAlive(pid))
                    throw new UserFacingException($"run directory '{path}' is in use by process {pid} (lock file {lockPath}); wait for that run to end or stop it");
                // The holder is gone (killed before it could remove its lock): take the lock over.
                try { File.Delete(lockPath); } catch (IOException) { }
            }
            catch (UnauthorizedAccessException)
            {
                throw new UserFacingException($"run directory '{path}' is not writable (permission denied)");
            }
        }
        throw new UserFacingException($"could not take the lock {lockPath}: other processes keep taking it");
    }

    private static int? ReadPid(string lockPath)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return int.TryParse(reader.ReadToEnd().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>Whether a process with this id is running (our own process counts: another run in it holds the lock).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Temporary files of checkpoint writes (".NAME.PID.tmp") whose writer is gone; a live writer's are left alone.</summary>
    private static void RemoveStaleTemporaries(string path)
    {
        foreach (var temp in Directory.EnumerateFiles(path, ".*.tmp"))
        {
            string name = System.IO.Path.GetFileNameWithoutExtension(temp);
            int dot = name.LastIndexOf('.');
            if (dot < 0 || !int.TryParse(name[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int writer)) continue;
            if (!IsAlive(writer)) File.Delete(temp);
        }
    }

    public void Dispose()
    {
        string lockPath = System.IO.Path.Combine(Path, LockName);
        try { File.Delete(lockPath); } catch (IOException) { }
        lockFile.Dispose();
    }
}
