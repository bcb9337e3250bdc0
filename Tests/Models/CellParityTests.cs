// Parity with PyTorch on every cell fixture: outputs, final states, loss and every gradient, on every
// backend, within 1e-5 absolute + 1e-4 relative (the tolerance).
using Engine.Models;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Models;

public class CellParityTests
{
    public static IEnumerable<object[]> Cases =>
        from fixture in new[] { "rnn_tanh", "rnn_tanh_2layer", "rnn_relu", "lstm", "lstm_2layer", "gru", "gru_2layer" }
        from backend in BackendCases.All
        select new object[] { fixture, backend[0] };

    [Theory, MemberData(nameof(Cases))]
    public void Matches_pytorch(string fixtureName, string backendName)
    {
        var f = Fixtures.Load(fixtureName);
        var backend = BackendCases.Create(backendName);
        var cell = f.Config["mode"]!.GetValue<string>() switch
        {
            "LSTM" => CellKind.Lstm,
            "GRU" => CellKind.Gru,
            _ => f.Config["nonlinearity"]!.GetValue<string>() == "relu" ? CellKind.RnnRelu : CellKind.RnnTanh,
        };
        var config = new RecurrentConfig(cell, f.Int("I"), f.Int("H"), f.Int("L"));
        var store = new ParameterStore(backend, RecurrentStack.Specs(config));
        foreach (var name in f.Names("params")) store.Set(name, f[name].Data, f[name].Shape);
        var stack = new RecurrentStack(config, store);

        var graph = new Graph(backend);
        Var Input(string name) => graph.Input(backend.FromArray(f[name].Data, f[name].Shape));
        Var Probe(string name) => graph.Constant(backend.FromArray(f[name].Data, f[name].Shape));
        var x = Input("x");
        var h0 = Input("h0");
        var c0 = cell == CellKind.Lstm ? Input("c0") : null;
        var result = stack.Forward(graph, x, h0, c0);

        var loss = graph.Add(graph.Sum(graph.Mul(result.Y, Probe("R_y"))), graph.Sum(graph.Mul(result.Hn, Probe("R_h"))));
        if (c0 is not null) loss = graph.Add(loss, graph.Sum(graph.Mul(result.Cn!, Probe("R_c"))));
        store.ZeroGrad();
        graph.Backward(loss);

        Fixtures.AssertClose("y", f["y"].Data, result.Y.Value.ToArray());
        Fixtures.AssertClose("hn", f["hn"].Data, result.Hn.Value.ToArray());
        if (c0 is not null) Fixtures.AssertClose("cn", f["cn"].Data, result.Cn!.Value.ToArray());
        Fixtures.AssertClose("loss", f["loss"].Data, loss.Value.ToArray());
        foreach (var name in f.Names("params"))
            Fixtures.AssertClose("grad_" + name, f["grad_" + name].Data, store[name].Grad.ToArray());
        Fixtures.AssertClose("grad_x", f["grad_x"].Data, x.Grad!.ToArray());
        Fixtures.AssertClose("grad_h0", f["grad_h0"].Data, h0.Grad!.ToArray());
        if (c0 is not null) Fixtures.AssertClose("grad_c0", f["grad_c0"].Data, c0.Grad!.ToArray());
    }
}
