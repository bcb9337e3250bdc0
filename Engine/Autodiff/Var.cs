// Var: a node of the autodiff graph: a value tensor and, once backward has reached it, its gradient.
// Parameters are Vars whose Value and Grad are views into the flat parameter and gradient buffers.
namespace Engine;

/// <summary>A node of the graph: a value and, when it requires one, its gradient.</summary>
public sealed class Var
{
    private Tensor? grad;

    // Set by ParameterStore.ZeroGrad: the gradient reads as zero, but its buffer still holds the last
    // step's values, so that the first product to write it overwrites them (beta 0) instead of a pass
    // over every gradient clearing them first (PyTorch's zero_grad(set_to_none=True) saves the same pass).
    // The backend is the one to clear it with if it is read or accumulated into before that.
    private IBackend? zeroPending;

    /// <summary>The forward value.</summary>
    public Tensor Value { get; }

    /// <summary>dL/dValue; null until backward reaches this Var (parameters have it from the start).</summary>
    public Tensor? Grad
    {
        get
        {
            ClearIfPending();
            return grad;
        }
        internal set => grad = value;
    }

    /// <summary>Whether backward computes a gradient for it.</summary>
    public bool RequiresGrad { get; }

    /// <summary>A name for messages (a parameter's name).</summary>
    public string? Name { get; init; }

    /// <summary>A node over value; grad is the gradient buffer when it has one already (parameters).</summary>
    public Var(Tensor value, bool requiresGrad, Tensor? grad = null)
    {
        if (grad is not null) ShapeOf.RequireSame("Var", value, grad);
        Value = value;
        RequiresGrad = requiresGrad;
        this.grad = grad;
    }

    /// <summary>The value's shape.</summary>
    public int[] Shape => Value.Shape;

    /// <summary>Makes the gradient read as zero from now on, clearing it only when something reads it first.</summary>
    internal void ZeroGradLater(IBackend backend) => zeroPending = backend;

    /// <summary>Carries out a pending zeroing now: for readers of the whole flat buffer.</summary>
    internal void ClearIfPending()
    {
        if (zeroPending is not { } backend) return;
        zeroPending = null;
        backend.Fill(0f, grad!);
    }

    /// <summary>
    /// The gradient for a product that writes all of it, and the beta to give that product: 0 while a
    /// zeroing is pending (the product overwrites the old values, which are never read), else 1. Null when
    /// backward has not reached this Var.
    /// </summary>
    internal Tensor? GradForProduct(out float beta)
    {
        beta = zeroPending is null ? 1f : 0f;
        zeroPending = null;
        return grad;
    }

    /// <summary>"Var", its name and shape.</summary>
    public override string ToString() => $"Var {Name ?? ""}{ShapeOf.Format(Shape)}";
}
