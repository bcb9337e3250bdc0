// The features between a stack's layers (dropout with a fixed mask, residual connections, layer
// normalisation) and the layer-norm op: finite-difference gradient checks on the host backends, and
// PyTorch's numbers (Tests/Fixtures/layer_norm.json, dropout_stack*.json) on every backend.
using Engine.Models;
using Engine.Tests.Support;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Models;

public class StackFeatureTests
{
    /// <summary>Hands out the given masks in turn, starting again after the last: one forward pass draws each once.</summary>
    private sealed class FixedMasks(params float[][] masks) : DropoutMasks(new Rng(1))
    {
        private int next;

        public override void Fill(float p, Span<float> mask)
        {
            var chosen = masks[next++ % masks.Length];
            Assert.Equal(chosen.Length, mask.Length);
            chosen.CopyTo(mask);
        }
    }

    private static float[] Mask(Random rng, int length, float p)
        => Enumerable.Range(0, length).Select(_ => rng.NextDouble() < p ? 0f : 1f / (1f - p)).ToArray();

    private static readonly string[] HostBackends = [.. Engine.Kernels.Backends.HostNames];

    public static IEnumerable<object[]> FeatureCases =>
        from cell in new[] { CellKind.RnnTanh, CellKind.Lstm, CellKind.Gru }
        from features in new[] { "dropout", "residual", "layer-norm", "all" }
        from backend in HostBackends
        select new object[] { cell, features, backend };

    [SkippableTheory, MemberData(nameof(FeatureCases))]
    public void Stack_features_match_finite_differences(CellKind cell, string features, string backendName)
    {
        var backend = BackendCases.Create(backendName);
        const int T = 3, B = 2, H = 4, L = 3;
        const float P = 0.5f;
        bool all = features == "all";
        var config = new RecurrentConfig(cell, H, H, L)
        {
            Features = new StackFeatures { Dropout = all || features == "dropout" ? P : 0f, Residual = all || features == "residual", LayerNorm = all || features == "layer-norm" },
        };
        var store = new ParameterStore(backend, RecurrentStack.Specs(config));
        var rng = new Random(5);
        // Layer-norm weights around 1 (as trained ones are), the rest around 0.
        backend.Upload(store.All.SelectMany(p => Enumerable.Range(0, p.Length).Select(_ =>
            (float)(rng.NextDouble() - 0.5 + (p.Name.EndsWith(".weight", StringComparison.Ordinal) && p.Name.StartsWith("layer_norm", StringComparison.Ordinal) ? 1 : 0)))).ToArray(), store.Values);
        var stack = new RecurrentStack(config, store);
        var masks = config.Features.Dropout > 0 ? new FixedMasks(Mask(rng, T * B * H, P), Mask(rng, T * B * H, P)) : null;
        var x = GradCheck.Random(backend, rng, T, B, H);
        var h0 = GradCheck.Random(backend, rng, L, B, H);
        var c0 = GradCheck.Random(backend, rng, L, B, H);
        Tensor[] leaves = cell == CellKind.Lstm ? [x, h0, c0] : [x, h0];

        GradCheck.Check(backend, leaves, (g, v) =>
        {
            var r = stack.Forward(g, v[0], v[1], v.Length > 2 ? v[2] : null, masks: masks);
            var parts = new List<Var> { g.Reshape(r.Y, 1, T * B * H), g.Reshape(r.Hn, 1, L * B * H) };
            if (r.Cn is not null) parts.Add(g.Reshape(r.Cn, 1, L * B * H));
            return g.ConcatColumns([.. parts]);
        }, store, step: config.Features.LayerNorm ? NormStep : GradCheck.Step);
    }

    // A norm over 4 units divides by their spread, which is small where an LSTM's outputs are alike:
    // there L curves sharply, and at the default step the central difference of one bias was 2.4% off
    // the analytic value (which the PyTorch fixture with norms confirms). The truncation error falls as
    // step^2; at 2.5e-3 the float32 rounding of L (~1e-7 * |L| / step, |L| < 10 here) stays near 4e-4,
    // below the tolerance's absolute part.
    private const float NormStep = 2.5e-3f;

    [SkippableTheory, MemberData(nameof(HostBackendCases))]
    public void Layer_norm_matches_finite_differences(string backendName)
    {
        var backend = BackendCases.Create(backendName);
        var rng = new Random(3);
        var x = GradCheck.Random(backend, rng, 5, 7);
        var weight = GradCheck.Random(backend, rng, 7);
        var bias = GradCheck.Random(backend, rng, 7);
        GradCheck.Check(backend, [x, weight, bias], (g, v) => g.LayerNorm(v[0], v[1], v[2]));
    }

    public static IEnumerable<object[]> HostBackendCases => HostBackends.Select(b => new object[] { b });

    [SkippableTheory, MemberData(nameof(AllBackends))]
    public void Layer_norm_matches_pytorch(string backendName)
    {
        var b = BackendCases.Create(backendName);
        var f = Fixtures.Load("layer_norm");
        var g = new Graph(b);
        var x = g.Input(Load(b, f, "x"));
        var weight = g.Input(Load(b, f, "weight"));
        var bias = g.Input(Load(b, f, "bias"));
        var y = g.LayerNorm(x, weight, bias);
        var loss = g.Sum(g.Mul(y, g.Constant(Load(b, f, "R"))));
        g.Backward(loss);
        Close(f, "y", y.Value);
        Close(f, "loss", loss.Value);
        Close(f, "grad_x", x.Grad!);
        Close(f, "grad_weight", weight.Grad!);
        Close(f, "grad_bias", bias.Grad!);
    }

    public static IEnumerable<object[]> AllBackends => BackendCases.All;

    public static IEnumerable<object[]> StackFixtures =>
        from fixture in new[] { "dropout_stack", "dropout_stack_residual_norm" }
        from backend in BackendCases.All
        select new object[] { fixture, backend[0] };

    [SkippableTheory, MemberData(nameof(StackFixtures))]
    public void Stack_with_fixed_dropout_masks_matches_pytorch(string fixture, string backendName)
    {
        var b = BackendCases.Create(backendName);
        var f = Fixtures.Load(fixture);
        int layers = f.Int("L");
        var config = new RecurrentConfig(CellKind.Lstm, f.Int("I"), f.Int("H"), layers)
        {
            Features = new StackFeatures
            {
                Dropout = (float)f.Config["dropout"]!.GetValue<double>(),
                Residual = f.Config["residual"]!.GetValue<bool>(),
                LayerNorm = f.Config["layer_norm"]!.GetValue<bool>(),
            },
        };
        var store = new ParameterStore(b, RecurrentStack.Specs(config));
        Assert.Equal(f.Names("params").OrderBy(n => n), store.All.Select(p => p.Name).OrderBy(n => n));
        foreach (var name in f.Names("params")) store.Set(name, f[name].Data, f[name].Shape);
        var masks = new FixedMasks([.. Enumerable.Range(0, layers - 1).Select(l => f[$"mask_{l}"].Data)]);
        var g = new Graph(b);
        var x = g.Input(Load(b, f, "x"));
        var h0 = g.Input(Load(b, f, "h0"));
        var c0 = g.Input(Load(b, f, "c0"));
        var r = new RecurrentStack(config, store).Forward(g, x, h0, c0, masks: masks);
        var loss = g.Add(g.Add(g.Sum(g.Mul(r.Y, g.Constant(Load(b, f, "R_y")))), g.Sum(g.Mul(r.Hn, g.Constant(Load(b, f, "R_h"))))),
            g.Sum(g.Mul(r.Cn!, g.Constant(Load(b, f, "R_c")))));
        g.Backward(loss);
        Close(f, "y", r.Y.Value);
        Close(f, "hn", r.Hn.Value);
        Close(f, "cn", r.Cn!.Value);
        Close(f, "loss", loss.Value);
        foreach (var name in f.Names("params")) Close(f, "grad_" + name, store[name].Grad);
        Close(f, "grad_x", x.Grad!);
        Close(f, "grad_h0", h0.Grad!);
        Close(f, "grad_c0", c0.Grad!);
    }

    [Fact]
    public void Residual_connections_refuse_layers_of_different_widths()
    {
        var config = new RecurrentConfig(CellKind.Lstm, 5, 4, 2) { Features = new StackFeatures { Residual = true } };
        var e = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains("equal width", e.Message);
        new RecurrentConfig(CellKind.Lstm, 5, 4, 1) { Features = new StackFeatures { Residual = true } }.Validate(); // one layer: nothing to connect
    }

    [Fact]
    public void Without_masks_dropout_is_off_and_with_them_it_changes_the_output()
    {
        var backend = BackendCases.Create("reference");
        var config = new RecurrentConfig(CellKind.Gru, 4, 4, 2) { Features = new StackFeatures { Dropout = 0.5f } };
        var plain = config with { Features = StackFeatures.None };
        var store = new ParameterStore(backend, RecurrentStack.Specs(config));
        var rng = new Random(2);
        backend.Upload(Enumerable.Range(0, store.Count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), store.Values);
        var x = GradCheck.Random(backend, rng, 3, 2, 4);
        var h0 = backend.Zeros(2, 2, 4);
        float[] Run(RecurrentConfig c, DropoutMasks? m)
        {
            var g = new Graph(backend) { GradEnabled = false };
            return new RecurrentStack(c, store).Forward(g, g.Constant(x), g.Constant(h0), masks: m).Y.Value.ToArray();
        }
        Assert.Equal(Run(plain, null), Run(config, null));
        Assert.NotEqual(Run(plain, null), Run(config, new DropoutMasks(new Rng(9))));
        // The same generator state draws the same masks.
        Assert.Equal(Run(config, new DropoutMasks(new Rng(9))), Run(config, new DropoutMasks(new Rng(9))));
    }

    [Fact]
    public void A_mask_drops_about_p_of_the_units_and_scales_the_rest()
    {
        var mask = new float[100_000];
        new DropoutMasks(new Rng(4)).Fill(0.3f, mask);
        double dropped = mask.Count(v => v == 0f) / (double)mask.Length;
        Assert.InRange(dropped, 0.295, 0.305); // 5 standard deviations of a binomial(1e5, 0.3) fraction: 0.0072
        Assert.All(mask, v => Assert.True(v == 0f || v == 1f / 0.7f));
    }

    private static Tensor Load(IBackend b, ReferenceFixture f, string name) => b.FromArray(f[name].Data, f[name].Shape);

    private static void Close(ReferenceFixture f, string name, Tensor actual)
    {
        var e = ParityRunner.Compare(name, f[name].Data, actual.ToArray());
        Assert.True(e.WithinTolerance, $"{f.Case} {name}: max abs {e.MaxAbsolute:E2}, max rel {e.MaxRelative:E2}");
    }
}
