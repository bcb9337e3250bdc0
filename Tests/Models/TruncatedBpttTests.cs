// Truncated BPTT (state carried across chunks, no gradient across the boundary), per-time-step
// hidden gradient norms, and determinism of the recurrent stack.
using Engine.Models;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Models;

public class TruncatedBpttTests
{
    private const int T = 6, B = 2, I = 3, H = 4;

    private static (ParameterStore, RecurrentStack) Build(IBackend backend, CellKind cell, int layers)
    {
        var config = new RecurrentConfig(cell, I, H, layers);
        var store = new ParameterStore(backend, RecurrentStack.Specs(config));
        var rng = new Random(3);
        backend.Upload(Enumerable.Range(0, store.Count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), store.Values);
        return (store, new RecurrentStack(config, store));
    }

    [SkippableTheory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.RnnTanh)]
    public void Two_chunks_with_a_carried_state_equal_one_long_sequence_forward(CellKind cell)
    {
        var backend = BackendCases.Create("cpu");
        var (_, stack) = Build(backend, cell, 2);
        var x = GradCheck.Random(backend, new Random(1), T, B, I).ToArray();

        var whole = new Graph(backend);
        var state = RecurrentState.Zeros(backend, stack.Config, B);
        var full = stack.Forward(whole, whole.Constant(backend.FromArray(x, T, B, I)), whole.Constant(state.H), state.C is null ? null : whole.Constant(state.C));

        var chunked = new Graph(backend);
        var carried = RecurrentState.Zeros(backend, stack.Config, B);
        var outputs = new List<float>();
        for (int chunk = 0; chunk < 2; chunk++)
        {
            var part = backend.FromArray(x[(chunk * 3 * B * I)..((chunk + 1) * 3 * B * I)], 3, B, I);
            var r = stack.Forward(chunked, chunked.Constant(part), chunked.Constant(carried.H), carried.C is null ? null : chunked.Constant(carried.C));
            carried.CarryFrom(r);
            outputs.AddRange(r.Y.Value.ToArray());
        }
        // The same arithmetic in the same order: bit-identical.
        Assert.Equal(full.Y.Value.ToArray(), outputs.ToArray());
        Assert.Equal(full.Hn.Value.ToArray(), carried.H.ToArray());
    }

    [Fact]
    public void No_gradient_crosses_the_chunk_boundary()
    {
        // The second chunk's parameter gradients must equal those of the second chunk run alone from
        // the carried state values: nothing flows back into the first chunk.
        var backend = BackendCases.Create("cpu");
        var (store, stack) = Build(backend, CellKind.Lstm, 1);
        var rng = new Random(2);
        var first = GradCheck.Random(backend, rng, 3, B, I);
        var second = GradCheck.Random(backend, rng, 3, B, I);

        var carried = RecurrentState.Zeros(backend, stack.Config, B);
        var g1 = new Graph(backend);
        carried.CarryFrom(stack.Forward(g1, g1.Constant(first), g1.Constant(carried.H), g1.Constant(carried.C!)));
        var g2 = new Graph(backend);
        var r2 = stack.Forward(g2, g2.Constant(second), g2.Constant(carried.H), g2.Constant(carried.C!));
        store.ZeroGrad();
        g2.Backward(g2.Sum(r2.Y));
        var chunked = store.Grads.ToArray();

        var hCopy = backend.FromArray(carried.H.ToArray(), carried.H.Shape);
        var cCopy = backend.FromArray(carried.C!.ToArray(), carried.C.Shape);
        var alone = new Graph(backend);
        var r = stack.Forward(alone, alone.Constant(second), alone.Constant(hCopy), alone.Constant(cCopy));
        store.ZeroGrad();
        alone.Backward(alone.Sum(r.Y));
        Assert.Equal(store.Grads.ToArray(), chunked);
    }

    [SkippableTheory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.RnnRelu)]
    public void Hidden_gradient_norms_equal_the_norms_of_dL_dh_t(CellKind cell)
    {
        // Independent computation: a 1-layer stack run one step at a time, chaining each step's hn into
        // the next as a graph input; dL/dh_t is then the gradient of the step-t input state h_{t}, i.e.
        // the h0 of step t+1, plus what the output y_t receives. For the last step it is dL/dy_{T-1}.
        var backend = BackendCases.Create("reference");
        var (store, stack) = Build(backend, cell, 1);
        var x = GradCheck.Random(backend, new Random(4), T, B, I);
        var probe = new HiddenGradientNorms(1, T);
        var g = new Graph(backend);
        var zero = RecurrentState.Zeros(backend, stack.Config, B);
        var r = stack.Forward(g, g.Constant(x), g.Constant(zero.H), zero.C is null ? null : g.Constant(zero.C), probe);
        var weights = GradCheck.Random(backend, new Random(8), T, B, H);
        g.Backward(g.Sum(g.Mul(r.Y, g.Constant(weights))));

        var steps = new Graph(backend);
        Var h = steps.Input(backend.FromArray(zero.H.ToArray(), zero.H.Shape));
        Var? c = zero.C is null ? null : steps.Input(backend.FromArray(zero.C.ToArray(), zero.C.Shape));
        var states = new List<Var>();
        Var loss = steps.Constant(backend.Zeros());
        for (int t = 0; t < T; t++)
        {
            var step = stack.Forward(steps, steps.Constant(x.Slice(t, 1)), h, c);
            loss = steps.Add(loss, steps.Sum(steps.Mul(step.Y, steps.Constant(weights.Slice(t, 1)))));
            h = steps.Reshape(step.Y, 1, B, H);
            states.Add(h);
            c = step.Cn;
        }
        steps.Backward(loss);
        for (int t = 0; t < T; t++)
        {
            var dh = states[t].Grad!.ToArray();
            double expected = Math.Sqrt(dh.Sum(v => (double)v * v));
            // Both are float32 sums of the same terms in different orders: agree to float rounding.
            Assert.Equal(expected, probe.Values[0][t], 5);
        }
    }

    [Fact]
    public void Same_inputs_give_bit_identical_outputs_and_gradients()
    {
        float[] Run()
        {
            var backend = BackendCases.Create("cpu");
            var (store, stack) = Build(backend, CellKind.Lstm, 2);
            var g = new Graph(backend);
            var zero = RecurrentState.Zeros(backend, stack.Config, B);
            var r = stack.Forward(g, g.Constant(GradCheck.Random(backend, new Random(6), T, B, I)), g.Constant(zero.H), g.Constant(zero.C!));
            store.ZeroGrad();
            g.Backward(g.Sum(r.Y));
            return [.. r.Y.Value.ToArray(), .. store.Grads.ToArray()];
        }
        Assert.Equal(Run(), Run());
    }
}
