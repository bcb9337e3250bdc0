// UnhandledKindException: what a switch over a closed set of kinds (cells, clips, optimizers, ...)
// throws for a value it does not name, so that a kind added to an enum and forgotten in a switch fails
// loudly instead of silently behaving as another kind.
namespace Engine;

/// <summary>Thrown by a switch over an enum of kinds when it meets a value it does not name.</summary>
public sealed class UnhandledKindException(Enum kind)
    : InvalidOperationException($"{kind.GetType().Name} '{kind}' is not handled here: every switch over {kind.GetType().Name} must name each of its kinds");
