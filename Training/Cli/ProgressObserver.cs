// Progress shown while training: a live Spectre.Console bar (step, loss, tokens/s, gradient norm, clip
// rate, ETA) on a terminal, and one plain line every few steps when the output is redirected.
using System.Globalization;
using Engine.Training.Trainer;
using Spectre.Console;

namespace Engine.Training.Cli;

/// <summary>Plain lines for logs: the first step, then one line every few seconds of training.</summary>
public sealed class PlainObserver(TextWriter output, TimeSpan every) : IRunObserver
{
    private readonly System.Diagnostics.Stopwatch sinceLast = System.Diagnostics.Stopwatch.StartNew();

    public void OnStep(StepReport r, double tokensPerSecond, double clipRate)
    {
        if (r.Step > 1 && sinceLast.Elapsed < every) return;
        output.WriteLine(ProgressText.Step(r, tokensPerSecond, clipRate));
        sinceLast.Restart();
    }

    public void OnValidation(int step, double loss) => output.WriteLine(ProgressText.Validation(step, loss));
}

public sealed class BarObserver(ProgressTask task) : IRunObserver
{
    public void OnStep(StepReport r, double tokensPerSecond, double clipRate)
    {
        task.Description = Markup.Escape(ProgressText.Step(r, tokensPerSecond, clipRate));
        task.Value = r.Step;
    }

    public void OnValidation(int step, double loss) => AnsiConsole.MarkupLine(Markup.Escape(ProgressText.Validation(step, loss)));

    /// <summary>Runs body with a live bar when the console is interactive, else with plain lines.</summary>
    public static RunSummary Show(int totalSteps, int startStep, Func<IRunObserver, RunSummary> body)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
            return body(new PlainObserver(Console.Out, TimeSpan.FromSeconds(10)));
        RunSummary? summary = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: totalSteps);
                task.Value = startStep;
                summary = body(new BarObserver(task));
            });
        return summary!;
    }
}

public static class ProgressText
{
    public static string Step(StepReport r, double tokensPerSecond, double clipRate) => string.Create(CultureInfo.InvariantCulture,
        $"step {r.Step,6}  loss {r.Loss,7:F4}  {tokensPerSecond,8:F0} tok/s  |g| {r.Clip.PreClipNorm,8:G4}  clipped {clipRate,6:P1}{(r.Clip.Skipped ? "  SKIPPED" : "")}");

    public static string Validation(int step, double loss) => string.Create(CultureInfo.InvariantCulture,
        $"step {step,6}  validation loss {loss:F4} nats/char");
}
