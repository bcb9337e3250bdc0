// What the clip stage does when a gradient holds NaN or infinity.
namespace Engine.Training.Clipping;

/// <summary>What the clip stage does when a gradient holds NaN or infinity.</summary>
public enum NonFinitePolicy
{
    /// <summary>Stop with a message naming the step and the parameter.</summary>
    Error,
    /// <summary>The default: no update, optimizer state untouched, counted; too many in a row stops the run.</summary>
    Skip,
    /// <summary>Replace the non-finite entries by 0 and go on.</summary>
    Zero,
    /// <summary>PyTorch's behaviour (clip_grad_norm_ with error_if_nonfinite=False), for comparison experiments.</summary>
    Propagate,
}

/// <summary>Names (the --nonfinite values) of the policies.</summary>
public static class NonFinitePolicies
{
    /// <summary>The policy with this name; anything else is refused in one line.</summary>
    public static NonFinitePolicy Parse(string name) => name switch
    {
        "error" => NonFinitePolicy.Error,
        "skip" => NonFinitePolicy.Skip,
        "zero" => NonFinitePolicy.Zero,
        "propagate" => NonFinitePolicy.Propagate,
        _ => throw new ArgumentException($"unknown non-finite policy '{name}'; choose one of: error, skip, zero, propagate"),
    };

    /// <summary>The command-line name (the --nonfinite value).</summary>
    public static string Name(this NonFinitePolicy policy) => policy switch
    {
        NonFinitePolicy.Error => "error",
        NonFinitePolicy.Skip => "skip",
        NonFinitePolicy.Zero => "zero",
        NonFinitePolicy.Propagate => "propagate",
        _ => throw new UnhandledKindException(policy),
    };
}

/// <summary>The clip stage stopped the run (policy `error`, or too many consecutive skips).</summary>
public sealed class ClipException(string message) : UserFacingException(message);
