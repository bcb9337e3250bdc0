// Entry point of the command-line program: one subcommand per job (train, sample, parity, compare, bench).
using System.CommandLine;
using Engine.Training.Cli;

var root = new RootCommand("Engine: recurrent networks trained with gradient clipping as a first-class stage");
foreach (var command in Commands.All()) root.Subcommands.Add(command);

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line per problem, no help dump: `--help` is there for that.
    foreach (var error in parsed.Errors) Console.Error.WriteLine("error: " + CommandLineErrors.OneLine(error.Message));
    return CommandLineErrors.UsageError;
}
return parsed.Invoke();
