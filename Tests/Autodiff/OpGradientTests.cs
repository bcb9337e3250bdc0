// Finite-difference gradient checks for every op of the autodiff graph, on every backend.
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Autodiff;

public class OpGradientTests
{
    public static IEnumerable<object[]> Backends => BackendCases.All;

    private static Tensor R(IBackend b, int seed, params int[] shape) => GradCheck.Random(b, new Random(seed), shape);

    [SkippableTheory, MemberData(nameof(Backends))]
    public void MatMul_all_transpose_combinations(string name)
    {
        var b = BackendCases.Create(name);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                var a = ta ? R(b, 1, 4, 3) : R(b, 1, 3, 4);
                var c = tb ? R(b, 2, 5, 4) : R(b, 2, 4, 5);
                GradCheck.Check(b, [a, c], (g, v) => g.MatMul(v[0], v[1], ta, tb));
            }
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Linear_with_bias(string name)
    {
        var b = BackendCases.Create(name);
        GradCheck.Check(b, [R(b, 1, 3, 4), R(b, 2, 5, 4), R(b, 3, 5)], (g, v) => g.Linear(v[0], v[1], v[2]));
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Add_sub_mul(string name)
    {
        var b = BackendCases.Create(name);
        GradCheck.Check(b, [R(b, 1, 2, 5), R(b, 2, 2, 5)], (g, v) => g.Add(v[0], v[1]));
        GradCheck.Check(b, [R(b, 1, 2, 5), R(b, 2, 2, 5)], (g, v) => g.Sub(v[0], v[1]));
        GradCheck.Check(b, [R(b, 1, 2, 5), R(b, 2, 2, 5)], (g, v) => g.Mul(v[0], v[1]));
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Activations(string name)
    {
        var b = BackendCases.Create(name);
        GradCheck.Check(b, [R(b, 1, 3, 7)], (g, v) => g.Sigmoid(v[0]));
        GradCheck.Check(b, [R(b, 1, 3, 7)], (g, v) => g.Tanh(v[0]));
        // relu and leaky relu are not differentiable at 0; values are kept away from 0 by more than
        // the finite-difference step so the numeric derivative is well defined.
        var away = b.FromArray([0.5f, -0.3f, 0.8f, -0.9f, 0.2f, -0.6f], 2, 3);
        GradCheck.Check(b, [away], (g, v) => g.Relu(v[0]));
        GradCheck.Check(b, [away], (g, v) => g.LeakyRelu(v[0], 0.1f));
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Slice_and_concat_columns(string name)
    {
        var b = BackendCases.Create(name);
        GradCheck.Check(b, [R(b, 1, 3, 8)], (g, v) => g.SliceColumns(v[0], 2, 4));
        GradCheck.Check(b, [R(b, 1, 3, 2), R(b, 2, 3, 5)], (g, v) => g.ConcatColumns(v[0], v[1]));
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Sum_mean_mse(string name)
    {
        var b = BackendCases.Create(name);
        GradCheck.Check(b, [R(b, 1, 4, 3)], (g, v) => g.Sum(v[0]));
        GradCheck.Check(b, [R(b, 1, 4, 3)], (g, v) => g.Mean(v[0]));
        GradCheck.Check(b, [R(b, 1, 4, 3), R(b, 2, 4, 3)], (g, v) => g.MeanSquaredError(v[0], v[1]));
    }

    [SkippableTheory, MemberData(nameof(Backends))]
    public void Embedding_and_softmax_cross_entropy(string name)
    {
        var b = BackendCases.Create(name);
        int[] ids = [2, 0, 2, 4, 1];
        GradCheck.Check(b, [R(b, 1, 5, 3)], (g, v) => g.Embedding(v[0], ids));
        int[] targets = [1, 0, 3, 3];
        GradCheck.Check(b, [R(b, 2, 4, 5)], (g, v) => g.SoftmaxCrossEntropy(v[0], targets));
    }

    [Fact]
    public void MatMul_with_mismatched_shapes_names_both()
    {
        var b = BackendCases.Create("reference");
        var g = new Graph(b);
        var ex = Assert.Throws<ArgumentException>(() => g.MatMul(g.Constant(b.Zeros(2, 3)), g.Constant(b.Zeros(4, 5))));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
    }

    [Fact]
    public void Unknown_parameter_name_lists_the_real_ones()
    {
        var store = new ParameterStore(BackendCases.Create("reference"), [new ParameterSpec("weight_ih_l0", [4, 3], "l0")]);
        var ex = Assert.Throws<KeyNotFoundException>(() => store["weight_xx_l0"]);
        Assert.Contains("weight_xx_l0", ex.Message);
        Assert.Contains("weight_ih_l0", ex.Message);
    }
}
