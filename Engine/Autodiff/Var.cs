// Var: a node of the autodiff graph: a value tensor and, once backward has reached it, its gradient.
// Parameters are Vars whose Value and Grad are views into the flat parameter and gradient buffers.
namespace Engine;

public sealed class Var
{
    public Tensor Value { get; }

    /// <summary>dL/dValue; null until backward reaches this Var (parameters have it from the start).</summary>
    public Tensor? Grad { get; internal set; }

    public bool RequiresGrad { get; }

    public string? Name { get; init; }

    public Var(Tensor value, bool requiresGrad, Tensor? grad = null)
    {
        if (grad is not null) ShapeOf.RequireSame("Var", value, grad);
        Value = value;
        RequiresGrad = requiresGrad;
        Grad = grad;
    }

    public int[] Shape => Value.Shape;

    public override string ToString() => $"Var {Name ?? ""}{ShapeOf.Format(Shape)}";
}
