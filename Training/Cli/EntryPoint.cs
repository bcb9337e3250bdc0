// EntryPoint: parses the command line and runs the chosen command; Program.cs calls it, and so do the
// tests that drive the program end to end. A parse error is one line (the first error found), no help dump.
using System.CommandLine;
using System.Text.RegularExpressions;

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
            return CommandLineErrors.Report(Plain(parsed.Errors[0].Message), CommandLineErrors.UsageError);
        }
        return parsed.Invoke();
    }

    private static readonly Regex CannotParse = new(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?$", RegexOptions.Singleline);

    /// <summary>The parser's "cannot parse" message in the program's words, without .NET type names.</summary>
    private static string Plain(string message)
    {
        var m = CannotParse.Match(message);
        if (!m.Success) return message;
        string wanted = m.Groups["type"].Value switch
        {
            "System.Int32" => "a whole number",
            "System.UInt64" => "a whole number from 0",
            "System.Single" or "System.Double" => "a number",
            "System.Boolean" => "true or false",
            "System.Nullable`1[System.Single]" => "a number",
            var other => $"a value of type {other}",
        };
        return $"{m.Groups["option"].Value} wants {wanted}, got '{m.Groups["value"].Value}'";
    }
}
