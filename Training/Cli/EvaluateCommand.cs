// `evaluate`: the loss of a checkpoint's model on a text, in nats and bits per character and as
// perplexity. By default the text is the checkpoint's own validation split, measured exactly as the
// trainer validates (same corpus, split, characters, batch and sequence length); --corpus FILE
// measures the whole of another file, which must use the checkpoint's vocabulary.
using System.CommandLine;
using System.Globalization;
using Engine.Training.Checkpoints;

namespace Engine.Training.Cli;

public static class EvaluateCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "a checkpoint file, or a run directory (its best.safetensors, else its checkpoint.safetensors)" };
        var corpus = new Option<string?>("--corpus") { Description = "a UTF-8 text file to measure whole (default: the checkpoint's validation split)" };
        var device = new Option<string>("--device") { Description = "cpu, reference, cuda or ilgpu-cpu", DefaultValueFactory = _ => "cpu" };
        var command = new Command("evaluate", "Measure a checkpoint's loss (nats/char, bits/char, perplexity) on its validation split or a text file");
        command.Arguments.Add(checkpoint);
        command.Options.Add(corpus);
        command.Options.Add(device);
        command.SetAction(r => CommandLineErrors.Run(() =>
        {
            var result = CheckpointEvaluation.Run(r.GetValue(checkpoint)!, r.GetValue(corpus), r.GetValue(device)!, note => Console.Error.WriteLine("note: " + note));
            Console.WriteLine($"checkpoint: {result.Checkpoint}");
            Console.WriteLine($"text: {result.Text}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loss {result.Nats:F4} nats/char, {result.Bits:F4} bits/char, perplexity {result.Perplexity:F3}"));
            return 0;
        }));
        return command;
    }
}
