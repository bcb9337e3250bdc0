// CliProcess: the command-line program as a separate process (for signals, locks held by another
// process, and default output folders relative to a working directory of the test's choosing).
using System.Diagnostics;

namespace Engine.Tests.Reliability;

public static class CliProcess
{
    public static Process Start(string? workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Engine.Cli.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Runs to the end and returns the exit code, standard output and standard error.</summary>
    public static (int ExitCode, string Output, string Error) Run(string? workingDirectory, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(); throw new TimeoutException(string.Join(' ', args)); }
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Sends a POSIX signal by name (INT, TERM, HUP) to a process.</summary>
    public static void Signal(Process process, string name) => Process.Start("kill", [$"-{name}", process.Id.ToString()])!.WaitForExit();
}
