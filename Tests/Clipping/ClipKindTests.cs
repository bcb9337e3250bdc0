// Every clip kind on hand-built gradients, with the expected values worked out in the comments; the
// non-finite policies end to end with a real optimizer; fused == two-pass; adaptive state round trips.
using Engine.Tests.Support;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;
using Xunit;

namespace Engine.Tests.Clipping;

public class ClipKindTests
{
    // Parameters: a [2, 2] and b [2] in layer "l0", c [3] in layer "head".
    // Gradients: a = [3, 4, 0, 0] (norm 5), b = [0, 12] (norm 12), c = [1, 2, 2] (norm 3).
    // Global: sum of squares 178, L2 = sqrt(178), L1 = 24, max = 12.
    private static ParameterStore HandBuilt(string backendName = "reference")
    {
        var backend = BackendCases.Create(backendName);
        var store = new ParameterStore(backend, [new("a", [2, 2], "l0"), new("b", [2], "l0"), new("c", [3], "head")]);
        backend.Upload([3, 4, 0, 0, 0, 12, 1, 2, 2], store.Grads);
        backend.Upload([0.6f, 0.8f, 0, 0, 2, 1, 10, 10, 10], store.Values);
        return store;
    }

    private static ClipOutcome Apply(ParameterStore store, string spec, NonFinitePolicy policy = NonFinitePolicy.Error)
        => new ClipStage(ClipSpec.Parse(spec), policy, store).Apply(1);

    [Fact]
    public void None_reports_norms_and_changes_nothing()
    {
        var store = HandBuilt();
        var o = Apply(store, "none");
        Assert.Equal(Math.Sqrt(178), o.Telemetry.PreClipNorm, 12);
        Assert.Equal(new[] { 5.0, 12.0, 3.0 }, o.Telemetry.ParameterNorms);
        Assert.Equal(1f, o.OptimizerScale);
        Assert.False(o.Telemetry.Clipped);
        Assert.Equal(new float[] { 3, 4, 0, 0, 0, 12, 1, 2, 2 }, store.Grads.ToArray());
    }

    [SkippableTheory]
    // coef = min(max / (total + 1e-6), 1) with the total of the given norm type.
    [InlineData("norm:1", 178.0, 2, 1.0)]
    [InlineData("norm:30:1", 24.0, 1, 30.0)]
    [InlineData("norm:6:inf", 12.0, 0, 6.0)]
    public void Global_norm_gives_pytorchs_coefficient(string spec, double totalOrSquares, int p, double max)
    {
        var store = HandBuilt();
        var o = Apply(store, spec);
        double total = p == 2 ? Math.Sqrt(totalOrSquares) : totalOrSquares;
        double coef = Math.Min(max / (total + 1e-6), 1);
        Assert.Equal(total, o.Telemetry.DecisionNorm, 12);
        Assert.Equal((float)coef, o.OptimizerScale);
        Assert.Equal(coef < 1, o.Telemetry.Clipped);
        Assert.Equal(Math.Sqrt(178) * coef, o.Telemetry.PostClipNorm, 9);
        Assert.Equal(new float[] { 3, 4, 0, 0, 0, 12, 1, 2, 2 }, store.Grads.ToArray()); // fused: left to the optimizer
    }

    [Fact]
    public void Value_clamps_each_element()
    {
        var store = HandBuilt();
        var o = Apply(store, "value:2.5");
        Assert.Equal(new float[] { 2.5f, 2.5f, 0, 0, 0, 2.5f, 1, 2, 2 }, store.Grads.ToArray());
        Assert.Equal(Math.Sqrt(3 * 6.25 + 9), o.Telemetry.PostClipNorm, 12);
        Assert.True(o.Telemetry.Clipped);
    }

    [Fact]
    public void Per_parameter_norm_is_keras_clipnorm()
    {
        // a: 4/5 = 0.8; b: 4/12; c: norm 3 <= 4, unchanged.
        var store = HandBuilt();
        var o = Apply(store, "param-norm:4");
        Assert.Equal(new float[] { 3 * 0.8f, 4 * 0.8f, 0, 0, 0, 12 * (float)(4.0 / 12), 1, 2, 2 }, store.Grads.ToArray());
        Assert.Equal(Math.Sqrt(16 + 16 + 9), o.Telemetry.PostClipNorm, 5);
    }

    [Fact]
    public void Per_layer_norm_scales_each_group_by_its_own_norm()
    {
        // l0 = {a, b}: norm sqrt(25 + 144) = 13, scale 10/13; head: norm 3 <= 10, unchanged.
        var store = HandBuilt();
        Apply(store, "layer-norm:10");
        float s = (float)(10.0 / 13);
        Assert.Equal(new float[] { 3 * s, 4 * s, 0, 0, 0, 12 * s, 1, 2, 2 }, store.Grads.ToArray());
    }

    [Fact]
    public void Agc_clips_units_relative_to_their_weights()
    {
        // clipping 0.5, eps 1e-3. a row 0: ||w|| = 1, ||g|| = 5 > 0.5 -> scale 0.5/5 = 0.1 -> [0.3, 0.4].
        // a row 1: w = 0 so max norm = 0.5 * 1e-3, g = 0 is not above it -> unchanged.
        // b (a vector: one unit per element): |g0| = 0 unchanged; |g1| = 12 > 0.5 * 1 -> 0.5.
        // c: ||w|| = 10 per element -> max 5; |g| <= 2 -> unchanged.
        var store = HandBuilt();
        var o = Apply(store, "agc:0.5");
        Assert.Equal(new float[] { 0.3f, 0.4f, 0, 0, 0, 0.5f, 1, 2, 2 }, store.Grads.ToArray());
        Assert.True(o.Telemetry.Clipped);
        Assert.Equal(Math.Sqrt(0.25 + 0.25 + 9), o.Telemetry.PostClipNorm, 6);
    }

    [Fact]
    public void AutoClip_uses_the_percentile_of_the_norm_history()
    {
        // Norms N, 2N, 0.5N (N = sqrt(178)) with p = 50 over the full history:
        // step 1: median [N] = N -> coef N / (N + 1e-6); step 2: median [N, 2N] = 1.5N -> coef 0.75;
        // step 3: median [0.5N, N, 2N] = N -> coef 1 (no clipping). A window of 2 keeps [2N, 0.5N]: 1.25N.
        double n = Math.Sqrt(178);
        var store = HandBuilt();
        var full = new ClipStage(ClipSpec.Parse("auto:50"), NonFinitePolicy.Error, store);
        var windowed = new ClipStage(ClipSpec.Parse("auto:50:2"), NonFinitePolicy.Error, store);
        float[] grads = store.Grads.ToArray();
        ClipOutcome Step(ClipStage stage, float factor)
        {
            store.Backend.Upload(grads.Select(g => g * factor).ToArray(), store.Grads);
            return stage.Apply(1);
        }
        Assert.Equal(n, Step(full, 1).Telemetry.Threshold!.Value, 9);
        var second = Step(full, 2);
        Assert.Equal(1.5 * n, second.Telemetry.Threshold!.Value, 9);
        Assert.Equal((float)(1.5 * n / (2 * n + 1e-6)), second.OptimizerScale);
        var third = Step(full, 0.5f);
        Assert.Equal(n, third.Telemetry.Threshold!.Value, 9);
        Assert.Equal(1f, third.OptimizerScale);

        Step(windowed, 1); Step(windowed, 2);
        Assert.Equal(1.25 * n, Step(windowed, 0.5f).Telemetry.Threshold!.Value, 9);
    }

    [Fact]
    public void ZClip_worked_example()
    {
        // One parameter, so the norm is |g|. zclip:2.5:0.5:3 (z 2.5, alpha 0.5, 3 warm-up steps).
        // Warm-up norms 1, 2, 3: no clipping; mean = 2, variance = (1 + 0 + 1) / 3 = 2/3.
        // Step 4, norm 10: std = sqrt(2/3); z = 8 / (std + 1e-6) > 2.5, so clip to 2 + 6.25 std / z
        // (about 2.5208); threshold in force = 2 + 2.5 std; scale = clipTo / (10 + 1e-6).
        // EMA with the clipped norm: mean = 0.5*2 + 0.5*clipTo; var = 0.5*(2/3) + 0.5*(clipTo - mean)^2.
        // Step 5, norm 2.3: z = (2.3 - mean) / (sqrt(var) + 1e-6), about 0.07: no clipping.
        var backend = BackendCases.Create("reference");
        var store = new ParameterStore(backend, [new("w", [1], "w")]);
        var stage = new ClipStage(ClipSpec.Parse("zclip:2.5:0.5:3"), NonFinitePolicy.Error, store);
        ClipOutcome Step(float norm) { backend.Upload([norm], store.Grads); return stage.Apply(1); }
        foreach (float warm in new[] { 1f, 2f, 3f })
        {
            var w = Step(warm);
            Assert.Equal(1f, w.OptimizerScale);
            Assert.Null(w.Telemetry.Threshold);
        }
        double std = Math.Sqrt(2.0 / 3), z = 8 / (std + 1e-6), clipTo = 2 + 6.25 * std / z;
        var spike = Step(10f);
        Assert.Equal(2.5208, clipTo, 4);
        Assert.Equal((float)(clipTo / (10 + 1e-6)), spike.OptimizerScale);
        Assert.Equal(2 + 2.5 * std, spike.Telemetry.Threshold!.Value, 12);
        Assert.True(spike.Telemetry.Clipped);
        double mean = 0.5 * 2 + 0.5 * clipTo, variance = 0.5 * (2.0 / 3) + 0.5 * (clipTo - mean) * (clipTo - mean);
        var calm = Step(2.3f);
        Assert.Equal(1f, calm.OptimizerScale);
        Assert.Equal(mean + 2.5 * Math.Sqrt(variance), calm.Telemetry.Threshold!.Value, 9);
    }

    [SkippableTheory]
    [InlineData("auto:10")]
    [InlineData("auto:90:3")]
    [InlineData("zclip:2.5:0.9:2")]
    public void Adaptive_state_round_trips_exactly(string spec)
    {
        var rng = new Rng(3);
        var store = HandBuilt();
        var original = new ClipStage(ClipSpec.Parse(spec), NonFinitePolicy.Error, store);
        var grads = store.Grads.ToArray();
        void Randomise() => store.Backend.Upload(grads.Select(g => g * (float)rng.Uniform(0.1, 3)).ToArray(), store.Grads);
        for (int i = 0; i < 5; i++) { Randomise(); original.Apply(i); }
        var restored = new ClipStage(ClipSpec.Parse(spec), NonFinitePolicy.Error, store);
        restored.LoadState(original.SaveState());
        for (int i = 0; i < 4; i++)
        {
            Randomise();
            var saved = store.Grads.ToArray();
            var a = original.Apply(i);
            store.Backend.Upload(saved, store.Grads);
            var b = restored.Apply(i);
            Assert.Equal(a.OptimizerScale, b.OptimizerScale);
            Assert.Equal(a.Telemetry.Threshold, b.Telemetry.Threshold);
        }
    }

    [SkippableTheory]
    [InlineData("value:0", "value must be a finite number above 0, got 0")]
    [InlineData("norm:-1", "max norm must be a finite number above 0, got -1")]
    [InlineData("norm:1:3", "norm type must be 2, 1 or inf, got 3")]
    [InlineData("auto:0", "percentile must be in (0, 100], got 0")]
    [InlineData("auto:101", "percentile must be in (0, 100], got 101")]
    [InlineData("zclip:2:1.5", "alpha must be in (0, 1), got 1.5")]
    [InlineData("agc:NaN", "clipping must be a finite number above 0, got NaN")]
    [InlineData("norm:abc", "max norm 'abc' is not a number")]
    public void Nonsense_specs_are_refused_with_one_line(string spec, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => ClipSpec.Parse(spec));
        Assert.Equal($"clip '{spec}': {message}", ex.Message);
    }

    [Fact]
    public void Unknown_kind_lists_the_syntax()
        => Assert.StartsWith("unknown clip 'clamp:1'; use one of: none, value:V", Assert.Throws<ArgumentException>(() => ClipSpec.Parse("clamp:1")).Message);

    [Fact]
    public void Specs_round_trip_through_text()
    {
        foreach (var text in new[] { "none", "value:5", "norm:1", "norm:0.5:inf", "norm:2:1", "param-norm:1", "layer-norm:3", "agc:0.01", "agc:0.01:0.1", "auto:10", "auto:90:1000", "zclip:2.5:0.97:25" })
            Assert.Equal(text, ClipSpec.Parse(text).ToString());
        Assert.Equal("zclip:2.5:0.97:25", ClipSpec.Parse("zclip").ToString());
    }
}
