// Runs the command-line program in-process with its console captured. Tests using it share one
// xunit collection, so they never run in parallel with each other (the console is process-wide).
using Engine.Training.Cli;
using Xunit;

namespace Engine.Tests.Support;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProgramCollection
{
    public const string Name = "program";
}

public sealed record ProgramResult(int ExitCode, string Output, string Error);

public static class ProgramRunner
{
    private static readonly object Gate = new();

    public static ProgramResult Run(params string[] args)
    {
        lock (Gate)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            Console.SetOut(output);
            Console.SetError(error);
            try { return new ProgramResult(EntryPoint.Run(args), output.ToString(), error.ToString()); }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    /// <summary>A small text file for training tests: enough for a few batches of a tiny model.</summary>
    public static string Corpus(string directory, int repeats = 40)
    {
        string path = Path.Combine(directory, "corpus.txt");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer.\n", repeats)));
        return path;
    }
}
