// The list of subcommands; each lives in its own file.
using System.CommandLine;

namespace Engine.Training.Cli;

public static class Commands
{
    public static IEnumerable<Command> All() => [TrainCommand.Create(), CompareCommand.Create(), ReportCommand.Create(), SampleCommand.Create(), EvaluateCommand.Create(), ParityCommand.Create(), BenchCommand.Create(), SelfCheckCommand.Create()];
}
