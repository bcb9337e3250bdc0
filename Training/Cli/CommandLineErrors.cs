// CommandLineErrors: the one place where failures become a single line on stderr and a non-zero exit.
// Users must never see a stack trace: expected failures (bad files, bad options, divergence under the
// `error` policy) are reported by their message; anything else is reported as an internal error.
namespace Engine.Training.Cli;

public static class CommandLineErrors
{
    public const int UsageError = 2;
    public const int Failure = 1;
    public const int Internal = 70;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (UserFacingException e) { return Report(e.Message, Failure); }
        catch (Exception e) when (IsExpected(e)) { return Report(MessageOf(e), Failure); }
        catch (Exception e) { return Report($"internal error ({e.GetType().Name}): {e.Message}", Internal); }
    }

    /// <summary>Exception types whose message is already written for the user.</summary>
    private static bool IsExpected(Exception e) => e is ArgumentException or FormatException or IOException
        or UnauthorizedAccessException or KeyNotFoundException or InvalidOperationException or NotSupportedException
        or OutOfMemoryException or System.Text.Json.JsonException or Engine.Kernels.Gpu.DeviceUnavailableException;

    /// <summary>The message alone: an argument exception's " (Parameter 'x')" and "Actual value was" tails are .NET's, not ours.</summary>
    private static string MessageOf(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            int tail = message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
            if (tail >= 0) message = message[..tail];
        }
        return message;
    }

    public static int Report(string message, int code)
    {
        Console.Error.WriteLine("error: " + OneLine(message));
        return code;
    }

    public static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
