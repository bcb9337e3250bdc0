// The benchmark's training step in libtorch (as the libtorch oracle's `bench` runs it), built once and
// run step by step: zero_grad, forward, sum(y^2)/numel, backward, clip_grad_norm_(1.0), SGD(0.01).
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

public sealed class TorchStep
{
    private readonly nn.Module module;
    private readonly Parameter[] parameters;
    private readonly optim.Optimizer sgd;
    private readonly Tensor x;

    public TorchStep(string cell, int t, int b, int i, int h)
    {
        torch.manual_seed(0);
        module = cell switch
        {
            "rnn_tanh" => nn.RNN(i, h, 1, nn.NonLinearities.Tanh),
            "lstm" => nn.LSTM(i, h, 1),
            "gru" => nn.GRU(i, h, 1),
            _ => throw new ArgumentException($"unknown cell '{cell}' (rnn_tanh, lstm or gru)"),
        };
        parameters = module.parameters().ToArray();
        sgd = optim.SGD(parameters, 0.01);
        x = torch.randn(t, b, i);
    }

    /// <summary>One step; returns its time in ms.</summary>
    public double Run()
    {
        using var scope = torch.NewDisposeScope();
        var clock = Stopwatch.StartNew();
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
        return clock.Elapsed.TotalMilliseconds;
    }
}
