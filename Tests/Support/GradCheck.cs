// Finite-difference gradient checking in float32. The engine's kernels are float32, so a check in
// double is not available; instead the loss is a random projection sum(y * R) accumulated in double
// on the host, central differences use a step of 1e-2 (truncation error O(h^2) ~ 1e-4 relative for
// the smooth functions used), and the tolerance below covers that plus float32 rounding of the
// forward values (~1e-7 * |y| / h).
using Engine.Training.Parity;

namespace Engine.Tests.Support;

public static class GradCheck
{
    public const float Step = 1e-2f;
    public const double Abs = 2e-3, Rel = 2e-2;

    /// <summary>
    /// forward(graph) builds the computation from the given leaf tensors and returns the output Var.
    /// The check compares graph.Backward's gradient of L = sum(out * R) for each leaf with central
    /// differences of L, for every element of every leaf.
    /// </summary>
    public static void Check(IBackend backend, Tensor[] leaves, Func<Graph, Var[], Var> forward, int seed = 7)
        => Check(backend, leaves, forward, store: null, seed);

    /// <summary>
    /// As above, and also every element of the store's parameters (their gradients come from store.Grads).
    /// step: the central-difference step, smaller than Step where the function curves sharply (its
    /// truncation error falls as step^2, the float32 rounding error of L grows as 1 / step).
    /// </summary>
    public static void Check(IBackend backend, Tensor[] leaves, Func<Graph, Var[], Var> forward, ParameterStore? store, int seed = 7, float step = Step)
    {
        store?.ZeroGrad();
        var graph = new Graph(backend);
        var vars = leaves.Select(graph.Input).ToArray();
        var output = forward(graph, vars);
        var rng = new Random(seed);
        var probe = Enumerable.Range(0, output.Value.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var probeT = backend.FromArray(probe, output.Shape);
        var loss = graph.Sum(graph.Mul(output, graph.Constant(probeT)));
        graph.Backward(loss);
        var analytic = vars.Select(v => v.Grad is null ? new float[v.Value.Length] : v.Grad.ToArray()).ToArray();
        if (store is not null)
        {
            leaves = [.. leaves, store.Values];
            analytic = [.. analytic, store.Grads.ToArray()];
        }

        double Loss()
        {
            var g = new Graph(backend) { GradEnabled = false };
            var y = forward(g, leaves.Select(g.Constant).ToArray()).Value.ToArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y[i] * probe[i];
            return s;
        }

        for (int l = 0; l < leaves.Length; l++)
        {
            var values = leaves[l].ToArray();
            var numerics = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                float saved = values[i];
                values[i] = saved + step; backend.Upload(values, leaves[l]);
                double plus = Loss();
                values[i] = saved - step; backend.Upload(values, leaves[l]);
                double minus = Loss();
                values[i] = saved; backend.Upload(values, leaves[l]);
                numerics[i] = (plus - minus) / (2 * step);
            }
            Expect.Close($"leaf {l}: analytic against numeric gradient", numerics, analytic[l].Select(v => (double)v).ToArray(), new Tolerance(Abs, Rel));
        }
    }

    public static Tensor Random(IBackend backend, Random rng, params int[] shape)
    {
        int n = ShapeOf.Numel(shape);
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return backend.FromArray(data, shape);
    }
}
