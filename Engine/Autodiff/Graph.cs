// Graph: reverse-mode autodiff over one backend. Each op computes its forward now and records a
// closure that performs its backward; Backward replays them in reverse. Backward ACCUMULATES into
// gradients; parameter gradients are zeroed only by ParameterStore.ZeroGrad (lazily: see GradForProduct).
// The graph knows nothing of devices (it calls IBackend) nor of cells or trainers.
namespace Engine;

/// <summary>Reverse-mode autodiff over one backend: ops compute now and record their backward; Backward replays them in reverse.</summary>
public sealed partial class Graph
{
    private readonly List<(Action Step, string Op)> backwardSteps = new();
    private readonly TensorPool pool;

    /// <summary>The backend every op runs on.</summary>
    public IBackend Backend { get; }

    /// <summary>When false (evaluation), ops record nothing and outputs never require gradients.</summary>
    public bool GradEnabled { get; set; } = true;

    /// <summary>When set, every op's forward and backward is timed into it (the bench's step profile); null in training.</summary>
    public OpProfile? Profile { get; set; }

    /// <summary>An empty graph over backend.</summary>
    public Graph(IBackend backend)
    {
        Backend = backend;
        pool = new TensorPool(backend);
    }

    /// <summary>An input that needs no gradient.</summary>
    public Var Constant(Tensor value) => new(value, requiresGrad: false);

    /// <summary>An input whose gradient is wanted (tests, gradient checks).</summary>
    public Var Input(Tensor value) => new(value, requiresGrad: true);

    /// <summary>A scratch tensor that lives until Reset.</summary>
    public Tensor Scratch(int[] shape, bool zeroed = true) => pool.Rent(shape, zeroed);

    /// <summary>Whether an op with these inputs must record a backward step.</summary>
    public bool Tracks(params Var[] inputs)
    {
        if (!GradEnabled) return false;
        foreach (var v in inputs) if (v.RequiresGrad) return true;
        return false;
    }

    /// <summary>A new output Var; it requires grad when the op is tracked.</summary>
    public Var Output(int[] shape, bool tracked, bool zeroed = false)
        => new(pool.Rent(shape, zeroed), tracked);

    /// <summary>Records a backward step (ops call this only when Tracks(...) was true); op names it in a profile.</summary>
    public void Record(Action backward, [System.Runtime.CompilerServices.CallerMemberName] string op = "")
    {
        if (Profile is { } profile)
        {
            Backend.Synchronize();
            profile.Forward(op);
        }
        backwardSteps.Add((backward, op));
    }

    /// <summary>v's gradient, created zeroed on first use.</summary>
    public Tensor GradOf(Var v)
    {
        v.Grad ??= pool.Rent(v.Shape, zeroed: true);
        return v.Grad;
    }

    /// <summary>
    /// v's gradient for a product (a GEMM) that writes all of it, and the beta to give it: 0 when there is
    /// nothing to add to yet (backward has not reached v, or ParameterStore.ZeroGrad is pending on it), so
    /// the product overwrites and nothing is cleared first; 1 when it must accumulate.
    /// </summary>
    public Tensor GradForProduct(Var v, out float beta)
    {
        if (v.GradForProduct(out beta) is { } grad) return grad;
        beta = 0f;
        return v.Grad = pool.Rent(v.Shape, zeroed: false);
    }

    /// <summary>Seeds dLoss/dLoss = 1 for a scalar loss and runs every recorded backward step in reverse.</summary>
    public void Backward(Var loss)
    {
        if (loss.Value.Length != 1)
            throw new ArgumentException($"Backward needs a scalar loss, got shape {ShapeOf.Format(loss.Shape)}");
        Backend.Fill(1f, GradOf(loss));
        for (int i = backwardSteps.Count - 1; i >= 0; i--)
        {
            var (step, op) = backwardSteps[i];
            if (Profile is { } profile) profile.Backward(op, step, Backend);
            else step();
        }
        backwardSteps.Clear();
    }

    /// <summary>
    /// Forgets the recorded steps and recycles every intermediate tensor. Vars made since the last
    /// Reset (other than parameters and caller-owned constants) must not be used afterwards.
    /// </summary>
    public void Reset()
    {
        backwardSteps.Clear();
        pool.ReturnAll();
    }
}
