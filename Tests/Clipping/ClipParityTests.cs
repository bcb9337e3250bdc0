// The fused clip path (scale left to the optimizer) against PyTorch's clip_grad_norm_: the scale it hands
// over, applied to the gradients, gives PyTorch's clipped gradients (the two-pass path is checked with
// every other fixture in PyTorchParityTests).
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

    [SkippableTheory, MemberData(nameof(Backends))]
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
}
