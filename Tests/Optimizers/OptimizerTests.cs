// Optimizers: hand-computed steps for what the PyTorch fixtures (checked in PyTorchParityTests) do not
// cover, the gradient scale input, and the learning-rate schedules.
using Engine.Tests.Support;
using Engine.Training.Optimizers;
using Xunit;

namespace Engine.Tests.Optimizers;

public class OptimizerTests
{
    private static (ParameterStore, IBackend) One(float p, float g)
    {
        var backend = BackendCases.Create("reference");
        var store = new ParameterStore(backend, [new ParameterSpec("w", [1], "w")]);
        store.Set("w", [p]);
        backend.Upload([g], store.Grads);
        return (store, backend);
    }

    [Fact]
    public void Sgd_nesterov_by_hand()
    {
        // p = 1, g = 0.5, lr 0.1, momentum 0.9. Step 1: buf = 0.5, d = 0.5 + 0.9*0.5 = 0.95, p = 0.905.
        // Step 2 (same g): buf = 0.9*0.5 + 0.5 = 0.95, d = 0.5 + 0.9*0.95 = 1.355, p = 0.905 - 0.1355 = 0.7695.
        var (store, _) = One(1f, 0.5f);
        var sgd = new OptimizerSpec(OptimizerKind.Sgd, 0.1f, Momentum: 0.9f, Nesterov: true).Create(store);
        sgd.Step(1f);
        Assert.Equal(0.905f, store.Values.ToArray()[0], 6);
        sgd.Step(1f);
        Assert.Equal(0.7695f, store.Values.ToArray()[0], 6);
    }

    [Fact]
    public void Adagrad_by_hand()
    {
        // p = 1, g = 2, lr 0.1, eps 1e-10: sum = 4, p = 1 - 0.1 * 2 / 2 = 0.9; step 2: sum = 8, p = 0.9 - 0.1 * 2 / sqrt(8).
        var (store, _) = One(1f, 2f);
        var adagrad = OptimizerSpec.Default("adagrad", 0.1f).Create(store);
        adagrad.Step(1f);
        Assert.Equal(0.9f, store.Values.ToArray()[0], 6);
        adagrad.Step(1f);
        Assert.Equal(0.9f - 0.2f / MathF.Sqrt(8f), store.Values.ToArray()[0], 6);
        Assert.Equal(new[] { "sum" }, adagrad.State.Select(s => s.Name));
    }

    [Fact]
    public void Centered_rmsprop_with_momentum_by_hand()
    {
        // p = 1, g = 1, lr 0.01, alpha 0.5, momentum 0.9, eps 0: v = 0.5, a = 0.5, denom = sqrt(0.5 - 0.25) = 0.5,
        // buf = 1 / 0.5 = 2, p = 1 - 0.02 = 0.98.
        var (store, _) = One(1f, 1f);
        var rms = new OptimizerSpec(OptimizerKind.Rmsprop, 0.01f, Momentum: 0.9f, Alpha: 0.5f, Eps: 1e-30f, Centered: true).Create(store);
        rms.Step(1f);
        Assert.Equal(0.98f, store.Values.ToArray()[0], 6);
    }

    [Fact]
    public void Gradient_scale_equals_pre_scaled_gradients()
    {
        // The fused scale must give the same update as scaling the gradient buffer first (same float ops: scale * g).
        var (a, backendA) = One(0.3f, 4f);
        var (b, backendB) = One(0.3f, 4f * 0.25f);
        var oa = OptimizerSpec.Default("adam", 0.01f).Create(a);
        var ob = OptimizerSpec.Default("adam", 0.01f).Create(b);
        for (int i = 0; i < 3; i++) { oa.Step(0.25f); ob.Step(1f); }
        Assert.Equal(b.Values.ToArray(), a.Values.ToArray());
    }

    [SkippableTheory]
    [InlineData("sgd", -1f, "learning rate must be a finite number above 0, got -1")]
    [InlineData("sgd", float.NaN, "learning rate must be a finite number above 0, got NaN")]
    [InlineData("adamax", 0.1f, "unknown optimizer 'adamax'; choose one of: sgd, adam, adamw, rmsprop, adagrad")]
    public void Nonsense_settings_are_refused(string name, float lr, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => OptimizerSpec.Default(name, lr).Validate());
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Schedules_give_exact_factors()
    {
        var step = LearningRateSchedule.Parse("step:10:0.5");
        Assert.Equal(1.0, step.Factor(1, 100));
        Assert.Equal(1.0, step.Factor(10, 100));
        Assert.Equal(0.5, step.Factor(11, 100));
        Assert.Equal(0.25, step.Factor(21, 100));

        var warm = LearningRateSchedule.Parse("warmup:4+cosine");
        // 13 steps: 4 of warm-up, then cosine over steps 5..13 (8 intervals).
        Assert.Equal(0.25, warm.Factor(1, 13));
        Assert.Equal(1.0, warm.Factor(4, 13));
        Assert.Equal(1.0, warm.Factor(5, 13));                 // cosine starts at its top
        Assert.Equal(0.5, warm.Factor(9, 13), 12);             // 4 of 8 intervals: cos(pi/2) = 0
        Assert.Equal(0.0, warm.Factor(13, 13), 12);            // and ends at the minimum

        Assert.Equal(0.1 + 0.9 * 0.5, LearningRateSchedule.Parse("cosine:0.1").Factor(6, 11), 12);
        Assert.Equal(1.0, LearningRateSchedule.Constant.Factor(1000, 10));
        Assert.Contains("unknown schedule 'linear'", Assert.Throws<ArgumentException>(() => LearningRateSchedule.Parse("linear")).Message);
        Assert.Contains("gamma must be in (0, 1]", Assert.Throws<ArgumentException>(() => LearningRateSchedule.Parse("step:10:2")).Message);
    }
}
