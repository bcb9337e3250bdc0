// `sample`: text from a checkpoint, with temperature, top-k, a prime text, a length and a seed.
using System.CommandLine;
using Engine.Training.Checkpoints;
using Engine.Training.Sampling;
using Engine.Training.Trainer;

namespace Engine.Training.Cli;

public static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "a checkpoint file, or a run directory" };
        var length = new Option<int>("--length") { Description = "characters to generate", DefaultValueFactory = _ => 500 };
        var temperature = new Option<float>("--temperature") { Description = "0 picks the most likely character; higher is more random", DefaultValueFactory = _ => 0.8f };
        var topK = new Option<int>("--top-k") { Description = "draw only from the k most likely characters (0: all)", DefaultValueFactory = _ => 0 };
        var prime = new Option<string>("--prime") { Description = "text to start from", DefaultValueFactory = _ => "" };
        var seed = new Option<ulong>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
        var device = new Option<string>("--device") { Description = "cpu, reference, cuda or ilgpu-cpu", DefaultValueFactory = _ => "cpu" };
        var command = new Command("sample", "Generate text from a trained checkpoint");
        command.Arguments.Add(checkpoint);
        foreach (var o in new Option[] { length, temperature, topK, prime, seed, device }) command.Options.Add(o);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            string path = r.GetValue(checkpoint)!;
            if (Directory.Exists(path)) path = Path.Combine(path, "checkpoint.safetensors");
            if (r.GetValue(topK) < 0) throw new ArgumentException($"top-k must be >= 0, got {r.GetValue(topK)}");
            var (model, vocabulary, backend) = CharLmTrainer.LoadModel(Checkpoint.Load(path), r.GetValue(device)!);
            using (backend)
                Console.WriteLine(new TextGenerator(model, vocabulary, backend).Generate(r.GetValue(prime)!, r.GetValue(length), r.GetValue(temperature), r.GetValue(topK), r.GetValue(seed)));
            return 0;
        }));
        return command;
    }
}
