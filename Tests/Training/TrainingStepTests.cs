// The one training step: a step the clip stage stops (policy error) leaves no recorded backward
// behind, so a caller who goes on gets exactly the next step's gradient.
using Engine.Kernels;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;
using Engine.Training.Trainer;
using Xunit;

namespace Engine.Tests.Training;

public class TrainingStepTests
{
    [Fact]
    public void A_step_stopped_by_the_clip_stage_leaves_an_empty_graph()
    {
        var backend = new ReferenceBackend();
        var store = new ParameterStore(backend, [new("w", [1], "l0")]);
        store.Set("w", [2f]);
        var step = new TrainingStep(store, new ClipStage(ClipSpec.None, NonFinitePolicy.Error, store),
            OptimizerSpec.Default(OptimizerKind.Sgd, 0.5f).Create(store));
        Func<Graph, Var> LossTimes(float c) => g => g.Sum(g.Mul(store["w"].Var, g.Constant(backend.FromArray([c], 1))));

        Assert.Throws<ClipException>(() => step.Run(1, LossTimes(float.NaN)));   // dL/dw = NaN: stopped
        Assert.Equal([2f], store.Values.ToArray());

        // loss = 3w, so dL/dw = 3 and SGD gives w = 2 - 0.5 * 3 = 0.5 (exact in float). A backward left
        // over from the stopped step would add NaN to the gradient and stop this step too.
        var result = step.Run(2, LossTimes(3f));
        Assert.Equal(6.0, result.Loss);   // the loss before the update: 3 * 2
        Assert.Equal(3.0, result.Clip.Telemetry.PreClipNorm);
        Assert.Equal([0.5f], store.Values.ToArray());
    }
}
