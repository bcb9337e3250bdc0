// Initialisation schemes: exact properties (bounds, orthogonality, identity, spectral radius, sparsity,
// forget bias) and determinism by seed.
using Engine.Kernels;
using Engine.Models;
using Engine.Models.Init;
using Xunit;

namespace Engine.Tests.Init;

public class InitTests
{
    private static (ParameterStore Store, CharLmConfig Config) Model(CellKind cell = CellKind.Lstm, int hidden = 8)
    {
        var config = new CharLmConfig(cell, Vocabulary: 11, Embedding: 5, Hidden: hidden, Layers: 2);
        return (new ParameterStore(new ReferenceBackend(), CharLanguageModel.Specs(config)), config);
    }

    private static float[] Values(ParameterStore s, string name) => s[name].Value.ToArray();

    [Fact]
    public void Default_matches_pytorchs_bounds()
    {
        var (store, config) = Model();
        Initializer.Apply(store, InitSpec.Default, config.Cell.Gates(), seed: 1);
        double bound = 1 / Math.Sqrt(8);
        foreach (var name in new[] { "lstm.weight_ih_l0", "lstm.weight_hh_l1", "lstm.bias_ih_l0", "head.weight", "head.bias" })
            Assert.All(Values(store, name), v => Assert.InRange(v, -bound, bound));
        // Embedding N(0, 1): over 55 draws the sample std lies well inside [0.6, 1.4].
        var e = Values(store, "embedding.weight");
        double std = Math.Sqrt(e.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.6, 1.4);
        Assert.Contains(e, v => Math.Abs(v) > bound); // not a uniform draw
    }

    [Fact]
    public void Same_seed_same_weights_other_seed_other_weights()
    {
        var (a, c) = Model();
        var (b, _) = Model();
        var (d, _) = Model();
        Initializer.Apply(a, InitSpec.Default, c.Cell.Gates(), 7);
        Initializer.Apply(b, InitSpec.Default, c.Cell.Gates(), 7);
        Initializer.Apply(d, InitSpec.Default, c.Cell.Gates(), 8);
        Assert.Equal(a.Values.ToArray(), b.Values.ToArray());
        Assert.NotEqual(a.Values.ToArray(), d.Values.ToArray());
    }

    [Fact]
    public void Orthogonal_gate_blocks_are_orthonormal()
    {
        var (store, config) = Model(CellKind.Gru);
        Initializer.Apply(store, InitSpec.Parse("orthogonal"), config.Cell.Gates(), 3);
        var w = Values(store, "gru.weight_hh_l0"); // [3H, H] = three 8 x 8 blocks
        for (int g = 0; g < 3; g++)
            for (int i = 0; i < 8; i++)
                for (int j = 0; j < 8; j++)
                {
                    double dot = 0;
                    for (int k = 0; k < 8; k++) dot += (double)w[g * 64 + i * 8 + k] * w[g * 64 + j * 8 + k];
                    Assert.Equal(i == j ? 1.0 : 0.0, dot, 5); // float32 storage of a double-precision Q
                }
        Assert.All(Values(store, "gru.bias_hh_l0"), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Identity_recurrent_matrix_is_exactly_the_identity()
    {
        var (store, config) = Model(CellKind.RnnRelu, hidden: 4);
        Initializer.Apply(store, InitSpec.Parse("identity"), config.Cell.Gates(), 3);
        var w = Values(store, "rnn.weight_hh_l1");
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) Assert.Equal(i == j ? 1f : 0f, w[i * 4 + j]);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.5)]
    [InlineData(3.0)]
    public void Spectral_init_hits_the_target_radius(double target)
    {
        var (store, config) = Model(CellKind.RnnTanh, hidden: 32);
        Initializer.Apply(store, InitSpec.Parse($"spectral:{target}"), config.Cell.Gates(), 5);
        double radius = Initializer.SpectralRadius(Values(store, "rnn.weight_hh_l0"), 32);
        Assert.InRange(radius, target * (1 - 1e-3), target * (1 + 1e-3));
    }

    [Fact]
    public void Spectral_radius_is_exact_on_known_matrices()
    {
        // A rotation by 30 degrees scaled by 2 (eigenvalues 2 e^{+-i pi/6}, a complex pair) beside 1.5.
        float c = (float)(2 * Math.Cos(Math.PI / 6)), s = (float)(2 * Math.Sin(Math.PI / 6));
        float[] m = [c, -s, 0, s, c, 0, 0, 0, 1.5f];
        Assert.Equal(2.0, Initializer.SpectralRadius(m, 3), 4);
        // Upper triangular: the eigenvalues are the diagonal (0.5, -3, 1) whatever sits above it.
        float[] t = [0.5f, 7, -2, 0, -3, 4, 0, 0, 1];
        Assert.Equal(3.0, Initializer.SpectralRadius(t, 3), 3);
    }

    [Fact]
    public void Forget_bias_sets_the_forget_block_of_bias_ih()
    {
        var (store, config) = Model(hidden: 3);
        Initializer.Apply(store, InitSpec.Parse("xavier", forgetBias: 1f), config.Cell.Gates(), 2);
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, Values(store, "lstm.bias_ih_l0"));
        Assert.All(Values(store, "lstm.bias_hh_l0"), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Sparse_init_gives_k_incoming_weights_per_unit_at_the_target_radius_and_small_outer_weights()
    {
        var (store, config) = Model(CellKind.RnnTanh, hidden: 50);
        Initializer.Apply(store, InitSpec.Parse("sparse:15:0.95"), config.Cell.Gates(), 4);
        foreach (var name in new[] { "rnn.weight_hh_l0", "rnn.weight_hh_l1" })
        {
            var w = Values(store, name);
            for (int unit = 0; unit < 50; unit++) Assert.Equal(15, w.Skip(unit * 50).Take(50).Count(v => v != 0f));
            Assert.InRange(Initializer.SpectralRadius(w, 50), 0.95 * (1 - 1e-3), 0.95 * (1 + 1e-3));
        }
        // N(0, 0.01^2): over 250 and 550 draws the sample std lies well inside [0.008, 0.012], and nothing is uniform-sized.
        foreach (var name in new[] { "rnn.weight_ih_l0", "head.weight" })
        {
            var v = Values(store, name);
            Assert.InRange(Math.Sqrt(v.Select(x => (double)x * x).Average()), 0.008, 0.012);
        }
        foreach (var name in new[] { "rnn.bias_ih_l0", "rnn.bias_hh_l1", "head.bias" }) Assert.All(Values(store, name), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Sparse_init_refuses_more_connections_than_units()
    {
        var (store, config) = Model(CellKind.RnnTanh, hidden: 8);
        var e = Assert.Throws<ArgumentException>(() => Initializer.Apply(store, InitSpec.Parse("sparse:15:0.95"), config.Cell.Gates(), 4));
        Assert.Equal("init 'sparse:15:0.95': 15 incoming connections per unit, but a layer has only 8 units", e.Message);
    }

    [Theory]
    [InlineData("kaiming", "unknown init 'kaiming'; choose one of: default, xavier, orthogonal, identity, spectral:R, sparse:K:R")]
    [InlineData("spectral:-1", "init 'spectral:-1': spectral radius must be a finite number above 0, got -1")]
    [InlineData("sparse:0:0.95", "init 'sparse:0:0.95': the incoming connections K must be a whole number of at least 1, got 0")]
    [InlineData("sparse:15", "unknown init 'sparse:15'; choose one of: default, xavier, orthogonal, identity, spectral:R, sparse:K:R")]
    public void Nonsense_is_refused(string text, string message)
        => Assert.Equal(message, Assert.Throws<ArgumentException>(() => InitSpec.Parse(text)).Message);
}
