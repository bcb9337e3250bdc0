// ParityRunner: runs the engine on a PyTorch reference fixture (any case of the fixture format: the
// cells, the char LM, clipping, optimizers) and reports the worst absolute and relative error of
// every tensor it produces, against the parity tolerance (Tolerance.Parity: 1e-5 + 1e-4 |reference|).
using System.Globalization;
using Engine.Kernels;
using Engine.Models;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;

namespace Engine.Training.Parity;

public sealed record TensorError(string Tensor, double MaxAbsolute, double MaxRelative, bool WithinTolerance);

public static class ParityRunner
{
    public const double Absolute = Tolerance.ParityAbsolute, Relative = Tolerance.ParityRelative;

    public static IReadOnlyList<TensorError> Run(ReferenceFixture f, IBackend backend)
    {
        var errors = new List<TensorError>();
        void Check(string name, float[] actual) => errors.Add(Compare(name, f[name].Data, actual));
        string kind = f.Case;
        if (kind.StartsWith("optim_", StringComparison.Ordinal)) Optimizer(f, backend, Check);
        else if (kind.StartsWith("clip_", StringComparison.Ordinal)) Clip(f, backend, Check);
        else if (kind == "charlm_lstm" || f.Config.ContainsKey("V")) CharLm(f, backend, Check);
        else if (f.Config.ContainsKey("mode")) Cell(f, backend, Check);
        else throw new FixtureException($"fixture case '{kind}' is not one the engine knows (cells, charlm, clip_*, optim_*)");
        return errors;
    }

    public static TensorError Compare(string name, float[] expected, float[] actual)
    {
        var c = Tolerance.Parity.Compare(expected, actual);
        return c.LengthsMatch ? new TensorError(name, c.MaxAbsolute, c.MaxRelative, c.Passed)
            : new TensorError(name, double.PositiveInfinity, double.PositiveInfinity, false);
    }

    private static Tensor Load(IBackend b, ReferenceFixture f, string name) => b.FromArray(f[name].Data, f[name].Shape);

    private static void Cell(ReferenceFixture f, IBackend b, Action<string, float[]> check)
    {
        var cell = f.Config["mode"]!.GetValue<string>() switch
        {
            "LSTM" => CellKind.Lstm,
            "GRU" => CellKind.Gru,
            "RNN_TANH" => CellKind.RnnTanh,
            "RNN_RELU" => CellKind.RnnRelu,
            var mode => throw new FormatException($"fixture mode '{mode}' names no cell (PyTorch's LSTM, GRU, RNN_TANH or RNN_RELU)"),
        };
        var config = new RecurrentConfig(cell, f.Int("I"), f.Int("H"), f.Int("L"));
        var store = new ParameterStore(b, RecurrentStack.Specs(config));
        foreach (var name in f.Names("params")) store.Set(name, f[name].Data, f[name].Shape);
        var g = new Graph(b);
        var x = g.Input(Load(b, f, "x"));
        var h0 = g.Input(Load(b, f, "h0"));
        var c0 = cell == CellKind.Lstm ? g.Input(Load(b, f, "c0")) : null;
        var r = new RecurrentStack(config, store).Forward(g, x, h0, c0);
        var loss = g.Add(g.Sum(g.Mul(r.Y, g.Constant(Load(b, f, "R_y")))), g.Sum(g.Mul(r.Hn, g.Constant(Load(b, f, "R_h")))));
        if (c0 is not null) loss = g.Add(loss, g.Sum(g.Mul(r.Cn!, g.Constant(Load(b, f, "R_c")))));
        g.Backward(loss);
        check("y", r.Y.Value.ToArray());
        check("hn", r.Hn.Value.ToArray());
        if (c0 is not null) check("cn", r.Cn!.Value.ToArray());
        check("loss", loss.Value.ToArray());
        foreach (var name in f.Names("params")) check("grad_" + name, store[name].Grad.ToArray());
        check("grad_x", x.Grad!.ToArray());
        check("grad_h0", h0.Grad!.ToArray());
        if (c0 is not null) check("grad_c0", c0.Grad!.ToArray());
    }

    private static void CharLm(ReferenceFixture f, IBackend b, Action<string, float[]> check)
    {
        var config = new CharLmConfig(CellKind.Lstm, f.Int("V"), f.Int("E"), f.Int("H"), f.Int("L"));
        var store = new ParameterStore(b, CharLanguageModel.Specs(config));
        foreach (var name in f.Names("params")) store.Set(name, f[name].Data, f[name].Shape);
        var g = new Graph(b);
        var h0 = g.Input(Load(b, f, "h0"));
        var c0 = g.Input(Load(b, f, "c0"));
        var output = new CharLanguageModel(config, store).Forward(g, f.Ids("tokens"), f.Int("T"), h0, c0, f.Ids("targets"));
        g.Backward(output.Loss!);
        check("logits", output.Logits.Value.ToArray());
        check("loss", output.Loss!.Value.ToArray());
        foreach (var name in f.Names("params")) check("grad_" + name, store[name].Grad.ToArray());
        check("grad_h0", h0.Grad!.ToArray());
        check("grad_c0", c0.Grad!.ToArray());
    }

    private static void Clip(ReferenceFixture f, IBackend b, Action<string, float[]> check)
    {
        var names = f.Names("grad_names");
        if (f.Case == "clip_value")
        {
            var store = Gradients(f, b, names, "");
            new ClipStage(new ClipSpec(ClipKind.Value, f.Config["clip_value"]!.GetValue<double>()), NonFinitePolicy.Propagate, store).Apply(1);
            foreach (var n in names) check(n + "_clipped", store[n].Grad.ToArray());
            return;
        }
        foreach (var combo in f.Config["combos"]!.AsArray())
        {
            string prefix = combo!["grads"] is { } tag ? tag.GetValue<string>() + "_" : "";
            string suffix = combo["suffix"]!.GetValue<string>();
            var store = Gradients(f, b, names, prefix);
            string spec = $"norm:{combo["max_norm"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)}:{combo["norm_type"]!.GetValue<string>()}";
            var outcome = new ClipStage(ClipSpec.Parse(spec), NonFinitePolicy.Propagate, store) { FusedScale = false }.Apply(1);
            check(prefix + "total_norm" + suffix, [(float)outcome.Telemetry.DecisionNorm]);
            foreach (var n in names) check($"{prefix}{n}_clipped{suffix}", store[n].Grad.ToArray());
        }
    }

    private static ParameterStore Gradients(ReferenceFixture f, IBackend b, string[] names, string prefix)
    {
        var store = new ParameterStore(b, names.Select(n => new ParameterSpec(n, f[prefix + n].Shape, n)));
        foreach (var n in names) b.Upload(f[prefix + n].Data, store[n].Grad);
        return store;
    }

    private static void Optimizer(ReferenceFixture f, IBackend b, Action<string, float[]> check)
    {
        float F(string key, float fallback) => f.Config[key] is { } n ? (float)n.GetValue<double>() : fallback;
        var spec = new OptimizerSpec(OptimizerKinds.Parse(f.Config["optimizer"]!.GetValue<string>().ToLowerInvariant()), F("lr", 0), F("weight_decay", 0), F("momentum", 0),
            f.Config["nesterov"]?.GetValue<bool>() ?? false, F("beta1", 0.9f), F("beta2", 0.999f), F("eps", 1e-8f), F("alpha", 0.99f),
            f.Config["centered"]?.GetValue<bool>() ?? false);
        var names = f.Names("param_names");
        var store = new ParameterStore(b, names.Select(n => new ParameterSpec(n, f[n].Shape, n)));
        foreach (var n in names) store.Set(n, f[n].Data);
        var optimizer = spec.Create(store);
        for (int step = 1; step <= f.Int("steps"); step++)
        {
            foreach (var n in names) b.Upload(f[$"grad_{n}_step{step}"].Data, store[n].Grad);
            optimizer.Step(1f);
            foreach (var n in names) check($"{n}_step{step}", store[n].Value.ToArray());
        }
    }
}
