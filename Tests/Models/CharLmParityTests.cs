// Parity of the character language model with PyTorch (fixture charlm_lstm): logits, final states,
// loss and every gradient, on every backend.
using Engine.Models;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Models;

public class CharLmParityTests
{
    public static IEnumerable<object[]> Backends => BackendCases.All;

    [Theory, MemberData(nameof(Backends))]
    public void Matches_pytorch(string backendName)
    {
        var f = Fixtures.Load("charlm_lstm");
        var backend = BackendCases.Create(backendName);
        var config = new CharLmConfig(CellKind.Lstm, f.Int("V"), f.Int("E"), f.Int("H"), f.Int("L"));
        var store = new ParameterStore(backend, CharLanguageModel.Specs(config));
        foreach (var name in f.Names("params")) store.Set(name, f[name].Data, f[name].Shape);
        var model = new CharLanguageModel(config, store);

        var graph = new Graph(backend);
        var h0 = graph.Input(backend.FromArray(f["h0"].Data, f["h0"].Shape));
        var c0 = graph.Input(backend.FromArray(f["c0"].Data, f["c0"].Shape));
        var output = model.Forward(graph, f.Ids("tokens"), f.Int("T"), h0, c0, f.Ids("targets"));
        store.ZeroGrad();
        graph.Backward(output.Loss!);

        Fixtures.AssertClose("logits", f["logits"].Data, output.Logits.Value.ToArray());
        Fixtures.AssertClose("hn", f["hn"].Data, output.Recurrent.Hn.Value.ToArray());
        Fixtures.AssertClose("cn", f["cn"].Data, output.Recurrent.Cn!.Value.ToArray());
        Fixtures.AssertClose("loss", f["loss"].Data, output.Loss!.Value.ToArray());
        foreach (var name in f.Names("params"))
            Fixtures.AssertClose("grad_" + name, f["grad_" + name].Data, store[name].Grad.ToArray());
        Fixtures.AssertClose("grad_h0", f["grad_h0"].Data, h0.Grad!.ToArray());
        Fixtures.AssertClose("grad_c0", f["grad_c0"].Data, c0.Grad!.ToArray());
    }
}
