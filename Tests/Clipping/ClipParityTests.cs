// Parity of the clip stage with PyTorch: clip_grad_norm_ (every norm type and threshold), clip_grad_value_,
// and the non-finite cases under the `propagate` policy (PyTorch's own behaviour).
using Engine.Tests.Support;
using Engine.Training.Clipping;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Clipping;

public class ClipParityTests
{
    public static IEnumerable<object[]> Backends => BackendCases.All;

    private static ParameterStore Store(IBackend backend, ReferenceFixture f, string prefix = "")
    {
        var names = f.Names("grad_names");
        var store = new ParameterStore(backend, names.Select(n => new ParameterSpec(n, f[prefix + n].Shape, n)));
        foreach (var n in names) backend.Upload(f[prefix + n].Data, store[n].Grad);
        return store;
    }

    private static string NormSpec(System.Text.Json.Nodes.JsonNode combo)
        => $"norm:{combo["max_norm"]!.GetValue<double>().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}:{combo["norm_type"]!.GetValue<string>()}";

    [Theory, MemberData(nameof(Backends))]
    public void Norm_clipping_matches_clip_grad_norm(string backendName)
    {
        var f = Fixtures.Load("clip_norm");
        var backend = BackendCases.Create(backendName);
        foreach (var combo in f.Config["combos"]!.AsArray())
        {
            string suffix = combo!["suffix"]!.GetValue<string>();
            foreach (bool fused in new[] { false, true })
            {
                var store = Store(backend, f);
                var stage = new ClipStage(ClipSpec.Parse(NormSpec(combo)), NonFinitePolicy.Error, store) { FusedScale = fused };
                var outcome = stage.Apply(1);
                Fixtures.AssertClose("total_norm" + suffix, f["total_norm" + suffix].Data, [(float)outcome.Telemetry.DecisionNorm]);
                foreach (var n in f.Names("grad_names"))
                {
                    // Fused: the optimizer will multiply by the scale; the two-pass path already did.
                    var applied = store[n].Grad.ToArray().Select(g => g * outcome.OptimizerScale).ToArray();
                    Fixtures.AssertClose($"{n}_clipped{suffix} (fused {fused})", f[$"{n}_clipped{suffix}"].Data, applied);
                }
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Value_clipping_matches_clip_grad_value(string backendName)
    {
        var f = Fixtures.Load("clip_value");
        var backend = BackendCases.Create(backendName);
        var store = Store(backend, f);
        var outcome = new ClipStage(new ClipSpec(ClipKind.Value, f.Config["clip_value"]!.GetValue<double>()), NonFinitePolicy.Error, store).Apply(1);
        foreach (var n in f.Names("grad_names"))
            Assert.Equal(f[n + "_clipped"].Data, store[n].Grad.ToArray()); // clamping is exact
        Assert.True(outcome.Telemetry.Clipped);
        Assert.Equal(1f, outcome.OptimizerScale);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Propagate_policy_reproduces_pytorch_on_non_finite_gradients(string backendName)
    {
        var f = Fixtures.Load("clip_nonfinite");
        var backend = BackendCases.Create(backendName);
        foreach (var combo in f.Config["combos"]!.AsArray())
        {
            string tag = combo!["grads"]!.GetValue<string>() + "_", suffix = combo["suffix"]!.GetValue<string>();
            var store = Store(backend, f, tag);
            var stage = new ClipStage(ClipSpec.Parse(NormSpec(combo)), NonFinitePolicy.Propagate, store) { FusedScale = false };
            var outcome = stage.Apply(1);
            Fixtures.AssertClose(tag + "total_norm" + suffix, f[tag + "total_norm" + suffix].Data, [(float)outcome.Telemetry.DecisionNorm]);
            foreach (var n in f.Names("grad_names"))
                Fixtures.AssertClose($"{tag}{n}_clipped{suffix}", f[$"{tag}{n}_clipped{suffix}"].Data, store[n].Grad.ToArray());
        }
    }
}
