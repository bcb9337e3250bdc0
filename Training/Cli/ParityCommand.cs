// `parity FILE.json...`: checks the engine against PyTorch reference fixtures (the format of the
// shared reference README) and prints the worst absolute and relative error of every tensor; exits 0
// only when every tensor of every file is within tolerance.
using System.CommandLine;
using System.Globalization;
using Engine.Kernels;
using Engine.Training.Parity;

namespace Engine.Training.Cli;

public static class ParityCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "reference fixture files (JSON)", Arity = ArgumentArity.OneOrMore };
        var device = new Option<string>("--device") { Description = "backend to check", DefaultValueFactory = _ => "cpu" };
        var command = new Command("parity", "Compare the engine with PyTorch reference fixtures");
        command.Arguments.Add(files);
        command.Options.Add(device);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            using var backend = Backends.Create(r.GetValue(device)!);
            int failures = 0;
            foreach (var file in r.GetValue(files)!)
            {
                var fixture = ReferenceFixture.Load(file);
                var errors = Compare(fixture, backend);
                int bad = errors.Count(e => !e.WithinTolerance);
                failures += bad;
                Console.WriteLine($"{fixture.Case} ({file}): {errors.Count - bad}/{errors.Count} tensors within {ParityRunner.Absolute:G} + {ParityRunner.Relative:G}|ref|");
                foreach (var e in errors)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(e.WithinTolerance ? "ok  " : "FAIL")} {e.Tensor,-28} max abs {e.MaxAbsolute:E2}  max rel {e.MaxRelative:E2}"));
            }
            Console.WriteLine(failures == 0 ? "parity: every tensor within tolerance" : $"parity: {failures} tensors outside tolerance");
            return failures == 0 ? 0 : 1;
        }));
        return command;
    }

    /// <summary>
    /// Runs the comparison; a fixture that parses but lacks (or mistypes) a config entry its case reads
    /// fails inside the runner, and is reported naming the fixture rather than as a crash.
    /// </summary>
    private static IReadOnlyList<TensorError> Compare(ReferenceFixture fixture, IBackend backend)
    {
        try { return ParityRunner.Run(fixture, backend); }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            throw new FixtureException($"fixture '{fixture.Source}' (case '{fixture.Case}') lacks a config entry or tensor its case needs, or holds one of the wrong type or shape");
        }
    }
}
