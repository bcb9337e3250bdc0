// Parity with PyTorch on every reference fixture (cells, char LM, clipping, optimizers), on every
// backend: outputs, final states, loss and every gradient within 1e-5 absolute + 1e-4 relative. The
// checks are the ones `parity FILE.json` runs for users; a test below shows they do fail on a wrong value.
using Engine.Tests.Support;
using Engine.Training.Parity;
using Xunit;

namespace Engine.Tests.Models;

public class PyTorchParityTests
{
    public static readonly string[] All =
    [
        "rnn_tanh", "rnn_tanh_2layer", "rnn_relu", "lstm", "lstm_2layer", "lstm_b1_h96", "gru", "gru_2layer", "charlm_lstm",
        "clip_norm", "clip_value", "clip_nonfinite", "optim_sgd", "optim_adam", "optim_adamw", "optim_rmsprop",
        "optim_sgd_nesterov", "optim_adam_l2", "optim_rmsprop_momentum", "optim_rmsprop_centered", "optim_adagrad",
    ];

    public static IEnumerable<object[]> Cases =>
        from fixture in All
        from backend in BackendCases.All
        select new object[] { fixture, backend[0] };

    [SkippableTheory, MemberData(nameof(Cases))]
    public void Every_tensor_matches_pytorch(string fixture, string backend)
    {
        var errors = ParityRunner.Run(Fixtures.Load(fixture), BackendCases.Create(backend));
        Assert.NotEmpty(errors);
        foreach (var e in errors)
            Assert.True(e.WithinTolerance, $"{fixture} on {backend}: {e.Tensor} max abs {e.MaxAbsolute:E2}, max rel {e.MaxRelative:E2}");
    }

    [Fact]
    public void A_wrong_reference_value_is_reported()
    {
        var f = Fixtures.Load("lstm");
        var data = (float[])f["grad_weight_hh_l0"].Data.Clone();
        data[3] += 1e-3f;
        var tampered = new ReferenceFixture
        {
            Case = f.Case, Config = f.Config,
            Tensors = new Dictionary<string, FixtureTensor>(f.Tensors) { ["grad_weight_hh_l0"] = new(f["grad_weight_hh_l0"].Shape, data) },
        };
        var errors = ParityRunner.Run(tampered, BackendCases.Create("reference"));
        var bad = Assert.Single(errors, e => !e.WithinTolerance);
        Assert.Equal("grad_weight_hh_l0", bad.Tensor);
        Assert.InRange(bad.MaxAbsolute, 0.9e-3, 1.1e-3);
    }
}
