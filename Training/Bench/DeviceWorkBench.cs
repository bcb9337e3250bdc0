// DeviceWorkBench: what one of the bench's training steps asks of a GPU backend: kernel launches and
// blocking host-device transfers. Counted over one step after a first one (which compiles kernels
// and sizes scratch buffers). The counts depend on T and the code path, and on the widths only
// where a shape changes a kernel's plan (a GEMM split over K, a gradient summed in blocks), so a
// small shape gives the counts of a large one, less those, in seconds on the CPU accelerator.
using Engine.Kernels.Gpu;
using Engine.Models;
using Engine.Models.Init;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;
using Engine.Training.Trainer;

namespace Engine.Training.Bench;

public static class DeviceWorkBench
{
    /// <summary>The work of one training step, or null when the backend does not count (a CPU backend).</summary>
    public static DeviceWork? PerStep(IBackend backend, CellKind cell, int t, int b, int i, int h)
    {
        if (backend is not GpuBackend gpu) return null;
        var step = new TrainStep(backend, cell, t, b, i, h);
        return SecondStep(gpu, () => step.Run());
    }

    /// <summary>
    /// The work of one character-LM training step (embedding E, one recurrent layer, linear head,
    /// mean softmax cross-entropy over T x B tokens of a vocabulary of v, clip norm 1, SGD), or null
    /// on a CPU backend. Each step draws new tokens, as training does.
    /// </summary>
    public static DeviceWork? PerCharLmStep(IBackend backend, CellKind cell, int t, int b, int e, int h, int v)
    {
        if (backend is not GpuBackend gpu) return null;
        var config = new CharLmConfig(cell, v, e, h, 1);
        var store = new ParameterStore(backend, CharLanguageModel.Specs(config));
        Initializer.Apply(store, InitSpec.Default, cell.Gates(), 0);
        var model = new CharLanguageModel(config, store);
        var step = new TrainingStep(store, new ClipStage(ClipSpec.Parse("norm:1"), NonFinitePolicy.Skip, store),
            OptimizerSpec.Default(OptimizerKind.Sgd, 0.01f).Create(store));
        var state = RecurrentState.Zeros(backend, config.Recurrent, b);
        var rng = new Rng(0);
        int steps = 0;
        return SecondStep(gpu, () =>
        {
            var text = Enumerable.Range(0, t * b + 1).Select(_ => rng.NextInt(v)).ToArray();
            step.Run(++steps, graph => model.Forward(graph, text[..^1], t, state, text[1..]).Loss!);
        });
    }

    private static DeviceWork SecondStep(GpuBackend gpu, Action run)
    {
        run();
        var before = gpu.Work;
        run();
        return gpu.Work - before;
    }
}
