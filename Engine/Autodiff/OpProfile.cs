// OpProfile: where a training step's time goes, by autodiff op. Attached to a Graph, it stamps the clock
// each time an op records its backward: an op computes its forward and then records, so the time since
// the previous stamp is that op's forward (plus any untracked work done just before it). Each recorded
// backward is timed as it runs. With the device waited for after each, the times are the ops' own on
// a GPU too (the waits remove the overlap a real step has there). Steps outside the graph (zeroing,
// clip stage, optimizer) are timed by whoever runs them, through Phase.
// Forward and phases are stamped in sequence, so a step's stamps add up to its wall time.
using System.Diagnostics;

namespace Engine;

/// <summary>Calls and seconds per op, forward and backward, and per step phase, since the last Reset.</summary>
public sealed class OpProfile
{
    private readonly Dictionary<string, (long Calls, long ForwardTicks, long BackwardTicks)> ops = new();
    private readonly Dictionary<string, long> phases = new();
    private long mark;

    /// <summary>One op's totals: how often it ran, and its forward and backward seconds.</summary>
    public readonly record struct OpTotals(string Op, long Calls, double ForwardSeconds, double BackwardSeconds);

    /// <summary>The ops' totals, the largest forward + backward first.</summary>
    public IReadOnlyList<OpTotals> Ops => ops
        .Select(o => new OpTotals(o.Key, o.Value.Calls, Seconds(o.Value.ForwardTicks), Seconds(o.Value.BackwardTicks)))
        .OrderByDescending(o => o.ForwardSeconds + o.BackwardSeconds).ToList();

    /// <summary>The seconds of each step phase timed through Phase (e.g. "clip stage").</summary>
    public IReadOnlyDictionary<string, double> Phases => phases.ToDictionary(p => p.Key, p => Seconds(p.Value));

    /// <summary>Forgets everything timed so far (after warm-up steps).</summary>
    public void Reset()
    {
        ops.Clear();
        phases.Clear();
    }

    /// <summary>Starts the forward clock: the next op's forward is timed from here.</summary>
    public void Mark() => mark = Stopwatch.GetTimestamp();

    /// <summary>Adds the time since the last stamp to a phase (once the device has finished it), and stamps now.</summary>
    public void Phase(string name, IBackend backend)
    {
        backend.Synchronize();
        long now = Stopwatch.GetTimestamp();
        phases[name] = phases.GetValueOrDefault(name) + (now - mark);
        mark = now;
    }

    /// <summary>An op recorded its backward: the time since the last stamp was its forward.</summary>
    internal void Forward(string op)
    {
        long now = Stopwatch.GetTimestamp();
        var t = ops.GetValueOrDefault(op);
        ops[op] = (t.Calls + 1, t.ForwardTicks + (now - mark), t.BackwardTicks);
        mark = now;
    }

    /// <summary>An op's backward, run and timed (after the device finished it).</summary>
    internal void Backward(string op, Action backward, IBackend backend)
    {
        long start = Stopwatch.GetTimestamp();
        backward();
        backend.Synchronize();
        var t = ops.GetValueOrDefault(op);
        ops[op] = (t.Calls, t.ForwardTicks, t.BackwardTicks + (Stopwatch.GetTimestamp() - start));
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
