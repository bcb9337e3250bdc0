// What the telemetry says about a stack: ||dL/dh_t|| for every layer and step, and the recurrent
// matrices' largest singular values.
using Engine.Models;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Models;

public class DepthTelemetryTests
{
    [Theory]
    [InlineData(CellKind.RnnTanh, false)]
    [InlineData(CellKind.Gru, true)]
    [InlineData(CellKind.Lstm, false)]
    public void Hidden_gradient_norms_are_recorded_for_every_layer_and_step(CellKind cell, bool layerNorm)
    {
        var backend = BackendCases.Create("cpu");
        const int T = 6, B = 2, H = 8, L = 3;
        var config = new RecurrentConfig(cell, H, H, L) { Features = new StackFeatures { LayerNorm = layerNorm } };
        var store = new ParameterStore(backend, RecurrentStack.Specs(config));
        Engine.Models.Init.Initializer.Apply(store, Engine.Models.Init.InitSpec.Parse("default", null), cell.Gates(), 3);
        var rng = new Random(4);
        var g = new Graph(backend);
        var x = g.Input(GradCheck.Random(backend, rng, T, B, H));
        var r = new RecurrentStack(config, store).Forward(g, x, g.Constant(backend.Zeros(L, B, H)), cell == CellKind.Lstm ? g.Constant(backend.Zeros(L, B, H)) : null,
            probe: new HiddenGradientNorms(L, T) is var probe ? probe : null);
        var weights = GradCheck.Random(backend, rng, T, B, H);
        g.Backward(g.Sum(g.Mul(r.Y, g.Constant(weights))));
        // Without a norm the top layer's last step receives exactly dL/dy_{T-1} = weights[T-1].
        if (!layerNorm)
        {
            var last = weights.ToArray()[((T - 1) * B * H)..];
            Assert.Equal(Math.Sqrt(last.Sum(v => (double)v * v)), probe.Values[L - 1][T - 1], 5);
        }
        foreach (var layer in probe.Values)
            Assert.All(layer, v => Assert.True(v > 0 && double.IsFinite(v), $"norm {v}"));
        // The lower layers see their own gradients, not a copy of the top's.
        Assert.NotEqual(probe.Values[0], probe.Values[L - 1]);
    }

    [Fact]
    public void The_spectral_norm_of_a_diagonal_matrix_is_its_largest_entry()
    {
        // diag(0.5, -3, 2) padded with a zero row: singular values 3, 2, 0.5.
        float[] w = [0.5f, 0, 0, 0, -3, 0, 0, 0, 2, 0, 0, 0];
        Assert.Equal(3.0, SpectralNorms.Largest(w, 4, 3), 6);
    }

    [Fact]
    public void The_spectral_norm_lies_between_the_largest_column_norm_and_the_frobenius_norm_and_scales()
    {
        var rng = new Random(8);
        const int R = 12, C = 9;
        var w = Enumerable.Range(0, R * C).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        double sigma = SpectralNorms.Largest(w, R, C, iterations: 200);
        double frobenius = Math.Sqrt(w.Sum(v => (double)v * v));
        double column = Enumerable.Range(0, C).Max(j => Math.Sqrt(Enumerable.Range(0, R).Sum(i => (double)w[i * C + j] * w[i * C + j])));
        Assert.InRange(sigma, column, frobenius);
        Assert.Equal(2 * sigma, SpectralNorms.Largest(w.Select(v => 2 * v).ToArray(), R, C, iterations: 200), 9);
        // The default number of iterations is within 1e-3 of the converged value on this matrix.
        Assert.Equal(sigma, SpectralNorms.Largest(w, R, C), 3);
    }

    [Fact]
    public void Spectral_norms_are_reported_for_each_recurrent_matrix_by_name()
    {
        var backend = BackendCases.Create("reference");
        var config = new RecurrentConfig(CellKind.Gru, 3, 4, 2);
        var store = new ParameterStore(backend, RecurrentStack.Specs(config, "gru."));
        Engine.Models.Init.Initializer.Apply(store, Engine.Models.Init.InitSpec.Parse("orthogonal", null), 3, 1);
        var norms = SpectralNorms.Recurrent(store);
        Assert.Equal(["gru.weight_hh_l0", "gru.weight_hh_l1"], norms.Keys);
        // Three orthogonal [H, H] blocks stacked: W^T W = 3 I, so sigma_max = sqrt(3).
        Assert.All(norms.Values, v => Assert.Equal(Math.Sqrt(3), v, 4));
    }
}
