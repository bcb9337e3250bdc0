// ParameterStore.ZeroGrad is lazy: the gradient buffers keep the last step's values until a product
// overwrites them (beta 0) or something reads or accumulates into them (cleared first). These tests
// poison the buffers, so that any stale value that leaks into a gradient shows.
using Engine.Models;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Autodiff;

public class LazyZeroGradTests
{
    private const int T = 5, B = 2, I = 3, H = 4;

    private static (ParameterStore, RecurrentStack, Tensor) Build(IBackend backend, CellKind cell, int batch, params ParameterSpec[] extra)
    {
        var config = new RecurrentConfig(cell, I, H, 2);
        var store = new ParameterStore(backend, RecurrentStack.Specs(config).Concat(extra));
        var rng = new Random(3);
        backend.Upload(Enumerable.Range(0, store.Count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), store.Values);
        return (store, new RecurrentStack(config, store), GradCheck.Random(backend, rng, T, batch, I));
    }

    /// <summary>One forward and backward of sum(y) into the store's gradients.</summary>
    private static void Backward(IBackend backend, RecurrentStack stack, Tensor x)
    {
        var graph = new Graph(backend);
        var state = RecurrentState.Zeros(backend, stack.Config, x.Shape[1]);
        var r = stack.Forward(graph, graph.Constant(x), graph.Constant(state.H), state.C is null ? null : graph.Constant(state.C));
        graph.Backward(graph.Sum(r.Y));
    }

    private static float[] Filled(int n, float value) => Enumerable.Repeat(value, n).ToArray();

    [SkippableTheory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void Stale_gradients_never_leak_into_the_next_step(string backendName)
    {
        var backend = BackendCases.Create(backendName);
        // Batch 1 and batch 4 take the two ways of writing dW_hh (one GEMM, or h0's GEMM and the rest's).
        foreach (var cell in new[] { CellKind.Lstm, CellKind.Gru, CellKind.RnnTanh })
            foreach (int batch in new[] { 1, 4 })
            {
                var (store, stack, x) = Build(backend, cell, batch);
                backend.Upload(Filled(store.Count, 0f), store.Grads);
                Backward(backend, stack, x);
                var fromZero = store.Grads.ToArray();

                backend.Upload(Filled(store.Count, float.NaN), store.Grads);   // what a skipped non-finite step leaves
                store.ZeroGrad();
                Backward(backend, stack, x);
                Assert.Equal(fromZero, store.Grads.ToArray());
            }
    }

    [Fact]
    public void The_second_backward_after_one_ZeroGrad_accumulates()
    {
        var backend = BackendCases.Create("cpu");
        var (store, stack, x) = Build(backend, CellKind.Lstm, 1);
        backend.Upload(Filled(store.Count, 0f), store.Grads);
        Backward(backend, stack, x);
        var once = store.Grads.ToArray();
        Backward(backend, stack, x);
        var fromZero = store.Grads.ToArray();

        backend.Upload(Filled(store.Count, 3f), store.Grads);
        store.ZeroGrad();
        Backward(backend, stack, x);
        Backward(backend, stack, x);
        var twice = store.Grads.ToArray();
        Assert.Equal(fromZero, twice);
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 1e-6f * (1 + Math.Abs(once[i])));
    }

    [Fact]
    public void A_parameter_the_step_does_not_reach_reads_zero()
    {
        var backend = BackendCases.Create("cpu");
        var (store, stack, x) = Build(backend, CellKind.Gru, 2, new ParameterSpec("unused", [3, 2], "extra"));
        backend.Upload(Filled(store.Count, 7f), store.Grads);
        store.ZeroGrad();
        Assert.Equal(Filled(6, 0f), store["unused"].Grad.ToArray());
        backend.Upload(Filled(store.Count, 7f), store.Grads);
        store.ZeroGrad();
        Backward(backend, stack, x);
        var grads = store.Grads.ToArray();
        Assert.Equal(Filled(6, 0f), grads[^6..]);
        Assert.DoesNotContain(7f, grads);
    }

    [Fact]
    public void A_product_overwrites_a_pending_gradient_and_adds_to_a_written_one()
    {
        var backend = BackendCases.Create("cpu");
        var store = new ParameterStore(backend, [new ParameterSpec("w", [2, 2], "g")]);
        var w = store["w"];
        backend.Upload([1, 2, 3, 4], store.Values);
        backend.Upload([float.NaN, 9, 9, 9], store.Grads);
        store.ZeroGrad();
        var graph = new Graph(backend);
        var a = graph.Constant(backend.FromArray([1f, 0f, 0f, 1f], 2, 2));
        graph.Backward(graph.Sum(graph.MatMul(a, w.Var)));
        Assert.Equal(new float[] { 1, 1, 1, 1 }, w.Grad.ToArray());
        graph.Reset();
        graph.Backward(graph.Sum(graph.MatMul(a, w.Var)));
        Assert.Equal(new float[] { 2, 2, 2, 2 }, w.Grad.ToArray());
    }
}
