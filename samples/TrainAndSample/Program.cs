// TrainAndSample: the engine used as a library. Trains a small character LSTM on the built-in corpus
// for a few steps with the global gradient norm clipped at a threshold of our choosing, then samples.
// Usage: dotnet run -c Release --project samples/TrainAndSample [-- STEPS [MAX_NORM]]
using System.Globalization;
using Engine.Training.Data;
using Engine.Training.Sampling;
using Engine.Training.Trainer;

int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
double maxNorm = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0.25;

var config = new TrainConfig
{
    Cell = "lstm", Layers = 1, Hidden = 128, Embedding = 32, SequenceLength = 32, Batch = 16, Steps = steps,
    LearningRate = 3e-3f,
    Clip = FormattableString.Invariant($"norm:{maxNorm}"), // any --clip syntax: value:V, agc:C, zclip, ...
};
using var trainer = CharLmTrainer.Create(config, TextCorpus.Load("tinyshakespeare"));
Console.WriteLine($"{trainer.Store.Count:N0} parameters, {config.OptimizerSpec}, clip {config.ClipSpec}");
int clipped = 0;
for (int step = 1; step <= config.Steps; step++)
{
    var report = trainer.TrainStep();
    if (report.Clip.Clipped) clipped++;
    if (step % 20 == 0 || step == config.Steps)
        Console.WriteLine($"step {step,4}: loss {report.Loss:F3}, gradient norm {report.Clip.PreClipNorm:F3}{(report.Clip.Clipped ? " (clipped)" : "")}");
}
Console.WriteLine($"clipped {clipped} of {config.Steps} steps");

var generator = new TextGenerator(trainer.Model, trainer.Corpus.Vocabulary, trainer.Backend);
Console.WriteLine(generator.Generate(new SampleSettings(Prime: "ROMEO:", Length: 200, Temperature: 0.8f, TopK: 0, Seed: 1)));
