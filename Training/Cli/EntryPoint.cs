// EntryPoint: parses the command line and runs the chosen command; Program.cs calls it, and so do the
// tests that drive the program end to end. Parse errors are one line each, no help dump.
using System.CommandLine;

namespace Engine.Training.Cli;

public static class EntryPoint
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Engine: recurrent networks trained with gradient clipping as a first-class stage");
        foreach (var command in Commands.All()) root.Subcommands.Add(command);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine("error: " + CommandLineErrors.OneLine(error.Message));
            return CommandLineErrors.UsageError;
        }
        return parsed.Invoke();
    }
}
