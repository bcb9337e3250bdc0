// Var: a node of the autodiff graph: a value tensor and, once backward has reached it, its gradient.
// Parameters are Vars whose Value and Grad are views into the flat parameter and gradient buffers.
namespace Engine;

public sealed class Var
{
    private Tensor? grad;

    // Set by ParameterStore.ZeroGrad: the gradient reads as zero, but its buffer still holds the last
    // step's values, so that the first product to write it overwrites them (beta 0) instead of a pass
    // over every gradient clearing them first (PyTorch's zero_grad(set_to_none=True) saves the same pass).
    // The backend is the one to clear it with if it is read or accumulated into before that.
    private IBackend? zeroPending;

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

    public bool RequiresGrad { get; }

    public string? Name { get; init; }

    public Var(Tensor value, bool requiresGrad, Tensor? grad = null)
    {
        if (grad is not null) ShapeOf.RequireSame("Var", value, grad);
        Value = value;
        RequiresGrad = requiresGrad;
        this.grad = grad;
    }

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

    public override string ToString() => $"Var {Name ?? ""}{ShapeOf.Format(Shape)}";
}
