// libtorch's peak memory for one training step configuration, measured as the engine's
// `bench --shape` measures its own (Training/Bench/ProcessMemory.cs): the rise of this process's
// resident-set high-water mark over its level just before the model is built. The step is the
// oracle's (shared/anchors/libtorch/Oracle/Bench.cs): zero_grad, forward, sum(y^2)/numel, backward,
// clip_grad_norm_(1.0), SGD(0.01), on 2 threads. Usage: Probe CELL T B I H  (CELL: rnn_tanh, lstm, gru).
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

string cell = args[0];
int T = int.Parse(args[1]), B = int.Parse(args[2]), I = int.Parse(args[3]), H = int.Parse(args[4]);
torch.set_num_threads(2);
using (var warm = torch.ones(8)) warm.sum().Dispose(); // loads libtorch before the measurement starts

File.WriteAllText("/proc/self/clear_refs", "5");
long before = Status("VmRSS:");
torch.manual_seed(0);
nn.Module module = cell switch
{
    "rnn_tanh" => nn.RNN(I, H, 1, nn.NonLinearities.Tanh),
    "lstm" => nn.LSTM(I, H, 1),
    "gru" => nn.GRU(I, H, 1),
    _ => throw new ArgumentException($"unknown cell '{cell}'"),
};
var parameters = module.parameters().ToArray();
var sgd = optim.SGD(parameters, 0.01);
var x = torch.randn(T, B, I);
for (int step = 0; step < 23; step++) // the oracle's 3 warm-up steps and at least 10 timed ones
{
    using var scope = torch.NewDisposeScope();
    sgd.zero_grad();
    Tensor y = module switch
    {
        LSTM m => m.call(x).Item1,
        GRU m => m.call(x).Item1,
        RNN m => m.call(x).Item1,
        _ => throw new InvalidOperationException(),
    };
    var loss = y.square().sum() / y.numel();
    loss.backward();
    nn.utils.clip_grad_norm_(parameters, 1.0);
    sgd.step();
}
long peak = Status("VmHWM:");
Console.WriteLine($"{{\"bench\":\"libtorch_peak_memory\",\"cell\":\"{cell}\",\"t\":{T},\"b\":{B},\"i\":{I},\"h\":{H},\"peak_rss_growth_mb\":{(peak - before) / 1048576.0:F1}}}");

static long Status(string field) =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field))[field.Length..].Trim().Split(' ')[0]) * 1024;
