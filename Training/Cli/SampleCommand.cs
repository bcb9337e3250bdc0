// `sample`: text from a checkpoint, with temperature, top-k, a prime text, a length and a seed. Without
// a prime the model starts from a newline, as at the start of a fresh line of its text. Every option is
// checked before the checkpoint is read, and the checkpoint before any model is built.
using System.CommandLine;
using Engine.Training.Checkpoints;
using Engine.Training.Sampling;

namespace Engine.Training.Cli;

public static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "a checkpoint file, or a run directory" };
        var length = new Option<int>("--length") { Description = "characters to generate (0: none)", DefaultValueFactory = _ => 500 };
        var temperature = new Option<float>("--temperature") { Description = "0 picks the most likely character; higher is more random", DefaultValueFactory = _ => 0.8f };
        var topK = new Option<int>("--top-k") { Description = "draw only from the k most likely characters (0: all)", DefaultValueFactory = _ => 0 };
        var prime = new Option<string>("--prime") { Description = "text to start from (default: a newline, which is not printed)", DefaultValueFactory = _ => "" };
        var seed = new Option<ulong>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
        var device = new Option<string>("--device") { Description = "cpu, reference, cuda or ilgpu-cpu", DefaultValueFactory = _ => "cpu" };
        var command = new Command("sample", "Generate text from a trained checkpoint");
        command.Arguments.Add(checkpoint);
        foreach (var o in new Option[] { length, temperature, topK, prime, seed, device }) command.Options.Add(o);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            var settings = new SampleSettings(r.GetValue(prime)!, r.GetValue(length), r.GetValue(temperature), r.GetValue(topK), r.GetValue(seed));
            settings.Validate();
            string path = r.GetValue(checkpoint)!;
            if (path.Trim().Length == 0) throw new ArgumentException("the checkpoint argument is empty; give a checkpoint file or a run directory");
            var loaded = Checkpoint.Load(Checkpoint.Resolve(path));
            if (loaded.Note is { } note) Console.Error.WriteLine("note: " + note);
            var (model, vocabulary, backend) = CheckpointModel.Load(loaded, r.GetValue(device)!);
            using (backend)
            {
                string text = new TextGenerator(model, vocabulary, backend).Generate(settings);
                if (text.Length > 0) Console.WriteLine(text);
            }
            return 0;
        }));
        return command;
    }
}
