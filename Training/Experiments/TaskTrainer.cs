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

    public (double Loss, ClipTelemetry Clip, HiddenGradientNorms? Norms) Step(int step, bool recordNorms)
    {
        var batch = Task.Sample(data, Config.Batch);
        var probe = recordNorms ? new HiddenGradientNorms(Config.Layers, Task.Steps) : null;
        var result = trainingStep.Run(step, graph =>
            Loss(graph, model.Forward(graph, graph.Constant(backend.FromArray(batch.Inputs, Task.Steps, Config.Batch, Task.InputSize)), probe, masks), batch));
        return (result.Loss, result.Clip.Telemetry, probe);
    }

    private Var Loss(Graph graph, Var outputs, TaskBatch batch) => Task.IsRegression
        ? graph.MeanSquaredError(outputs, graph.Constant(backend.FromArray(batch.RegressionTargets!, outputs.Shape)))
        : graph.SoftmaxCrossEntropy(outputs, batch.ClassTargets!);

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
