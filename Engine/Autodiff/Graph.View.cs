// View ops: a reshape or a block of leading rows that shares memory with its input, value AND
// gradient, so they cost no copy forward and record no backward step: gradients written into the
// view's Grad land directly in the input's Grad.
namespace Engine;

public sealed partial class Graph
{
    /// <summary>x in another shape of the same length, sharing its memory.</summary>
    public Var Reshape(Var x, params int[] shape) => View(x, x.Value.Reshape(shape), g => g.Reshape(shape));

    /// <summary>Rows [start, start+count) along the first axis (e.g. the last time step of [T, B, H]).</summary>
    public Var SliceRows(Var x, int start, int count) => View(x, x.Value.Slice(start, count), g => g.Slice(start, count));

    private Var View(Var x, Tensor value, Func<Tensor, Tensor> sameViewOf)
    {
        if (!Tracks(x)) return Constant(value);
        return new Var(value, requiresGrad: true, sameViewOf(GradOf(x)));
    }
}
