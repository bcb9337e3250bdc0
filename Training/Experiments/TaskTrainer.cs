// TaskTrainer: trains a SequenceModel on a synthetic task with the char LM's TrainingStep: zero grads
// -> forward -> loss (MSE for regression, cross-entropy for classes) -> backward -> clip stage
// -> optimizer. Batches come from an Rng seeded once, so paired runs see identical sequences.
using Engine.Kernels;
using Engine.Models;
using Engine.Models.Init;
using Engine.Training.Clipping;
using Engine.Training.Optimizers;
using Engine.Training.Tasks;
using Engine.Training.Trainer;

namespace Engine.Training.Experiments;

public sealed class TaskTrainer : IDisposable
{
    private readonly IBackend backend;
    private readonly ParameterStore store;
    private readonly SequenceModel model;
    private readonly TrainingStep trainingStep;
    private readonly Rng data;
    private readonly DropoutMasks? masks;

    public SyntheticTask Task { get; }
    public TrainConfig Config { get; }

    /// <summary>Parameter names in store order (the order of the clip stage's per-parameter norms).</summary>
    public IReadOnlyList<string> ParameterNames => store.All.Select(p => p.Name).ToList();
    public int ParameterCount => store.Count;

    public TaskTrainer(TrainConfig config, SyntheticTask task)
    {
        config.Validate();
        Config = config;
        Task = task;
        backend = Backends.Create(config.Device);
        var modelConfig = new SequenceModelConfig(config.CellKind, task.InputSize, config.Hidden, config.Layers, task.OutputSize, task.HeadAtEveryStep)
            { LeakySlope = config.LeakySlope, Features = config.StackFeatures };
        store = new ParameterStore(backend, SequenceModel.Specs(modelConfig));
        Initializer.Apply(store, config.InitSpec, config.CellKind.Gates(), config.Seed);
        model = new SequenceModel(modelConfig, store);
        trainingStep = TrainingStep.Create(config, store);
        data = new Rng(config.Seed + 1000);
        masks = config.Dropout > 0f ? new DropoutMasks(new Rng(config.Seed + 2000)) : null;
    }

    // A training step's inputs and regression targets, uploaded into the same tensors at every step: a
    // new [T, B, I] tensor per step (96 KB at T = 200, B = 20, I = 6) would land on the large-object heap.
    private Tensor? inputs, targets;

    public (double Loss, ClipTelemetry Clip, HiddenGradientNorms? Norms) Step(int step, bool recordNorms)
    {
        var batch = Task.Sample(data, Config.Batch);
        var probe = recordNorms ? new HiddenGradientNorms(Config.Layers, Task.Steps) : null;
        var x = Reuse(ref inputs, batch.Inputs, Task.Steps, Config.Batch, Task.InputSize);
        var result = trainingStep.Run(step, graph => Loss(graph, model.Forward(graph, graph.Constant(x), probe, masks), batch));
        return (result.Loss, result.Clip.Telemetry, probe);
    }

    private Var Loss(Graph graph, Var outputs, TaskBatch batch) => Task.IsRegression
        ? graph.MeanSquaredError(outputs, graph.Constant(Reuse(ref targets, batch.RegressionTargets!, outputs.Shape)))
        : graph.SoftmaxCrossEntropy(outputs, batch.ClassTargets!);

    /// <summary>values uploaded into tensor, made (again) when it does not exist yet or has another shape.</summary>
    private Tensor Reuse(ref Tensor? tensor, float[] values, params int[] shape)
    {
        if (tensor is null || !tensor.Shape.AsSpan().SequenceEqual(shape)) tensor = backend.Zeros(shape);
        backend.Upload(values, tensor);
        return tensor;
    }

    /// <summary>Fraction of fresh sequences (from a fixed evaluation seed) solved by the task's criterion.</summary>
    public double Accuracy(int sequences = 1000)
    {
        var rng = new Rng(424242);
        var eval = new Graph(backend) { GradEnabled = false };
        int correct = 0, seen = 0;
        while (seen < sequences)
        {
            int n = Math.Min(Config.Batch * 10, sequences - seen);
            var batch = Task.Sample(rng, n);
            var outputs = model.Forward(eval, eval.Constant(backend.FromArray(batch.Inputs, Task.Steps, n, Task.InputSize)));
            correct += Task.CountCorrect(batch, outputs.Value.ToArray());
            seen += n;
            eval.Reset();
        }
        return (double)correct / sequences;
    }

    public void Dispose() => backend.Dispose();
}
