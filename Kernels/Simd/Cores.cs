// Cores: runs a few independent work items on all cores with a hand-off of well under a microsecond.
// The recurrent time loops split a small product or gate kernel over the cores at every step, hundreds
// of times per training step; Parallel.For costs microseconds per call (task set-up and waking a pool
// thread), as much as the work itself. So one worker per extra core stays alive and spins briefly
// between calls before it sleeps.
// Thread p (the caller is 0, worker w is w + 1) first runs items p, p + cores, ..., so that a call that
// splits the same data the same way at every step finds each part in the same core's cache; then it
// takes whatever is left, so when the machine is busy and a worker is not running, the caller does all
// the work. An item must write its own disjoint part of the output and compute it the same way on any
// thread: results then do not depend on which thread ran what. ForSteps chains such calls: a time
// loop whose every step is split over the cores posts one job for all its steps, and the threads
// pass from one step to the next as soon as the step's last item is done, instead of one hand-off
// per step. Not here: nested or concurrent calls run their items inline.
using System.Diagnostics;

namespace Engine.Kernels;

internal static class Cores
{
    public static readonly int Count = Environment.ProcessorCount;

    /// <summary>
    /// How long an idle worker spins for the next call before it sleeps. Longer than any call and the
    /// gaps of a training step: waking a sleeping thread takes tens of microseconds or more, by which
    /// time the caller has taken the work, the call runs on one core and the worker falls asleep again.
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 500;   // 2 ms

    private sealed class Job(Action<int, int> body, int steps, int items)
    {
        public readonly int Steps = steps;
        public readonly int Items = items;
        private readonly int[] claimed = new int[steps * items];
        public int Done;
        public Exception? Error;

        /// <summary>Step by step: waits for the previous step's items to finish, runs thread self's own items, then any left unclaimed.</summary>
        public void Help(int self)
        {
            for (int step = 0; step < Steps; step++)
            {
                if (step > 0)
                {
                    var spin = new SpinWait();
                    while (Volatile.Read(ref Done) < step * Items) spin.SpinOnce(sleep1Threshold: -1);
                }
                for (int item = self; item < Items; item += Count) TryRun(step, item);
                for (int item = 0; item < Items; item++) TryRun(step, item);
            }
        }

        private void TryRun(int step, int item)
        {
            if (Interlocked.Exchange(ref claimed[step * Items + item], 1) != 0) return;
            try { body(step, item); }
            catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
            Interlocked.Increment(ref Done);
        }
    }

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping;
    }

    private static readonly Worker[] workers = StartWorkers();
    private static Job? current;
    private static long generation;
    private static int busy;
    [ThreadStatic] private static bool insideItem;

    /// <summary>Runs body(0) .. body(items - 1), spread over the cores; returns when all have finished.</summary>
    public static void For(int items, Action<int> body)
    {
        if (items <= 0) return;
        if (items == 1) body(0);
        else ForSteps(1, items, (_, item) => body(item));
    }

    /// <summary>
    /// Runs body(step, 0) .. body(step, items - 1) for step = 0 .. steps - 1: the items of a step spread
    /// over the cores, and every item of a step finished before any item of the next one starts.
    /// </summary>
    public static void ForSteps(int steps, int items, Action<int, int> body)
    {
        if (steps <= 0 || items <= 0) return;
        if (items == 1 || workers.Length == 0 || insideItem || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            for (int step = 0; step < steps; step++)
                for (int item = 0; item < items; item++) body(step, item);
            return;
        }
        var job = new Job(body, steps, items);
        try
        {
            Volatile.Write(ref current, job);
            Interlocked.Increment(ref generation);
            foreach (var w in workers)
                if (Interlocked.Exchange(ref w.Sleeping, 0) == 1) w.Wake.Release();
            insideItem = true;
            job.Help(0);
            insideItem = false;
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Done) < steps * items) spin.SpinOnce(sleep1Threshold: -1);
        }
        finally
        {
            insideItem = false;
            Volatile.Write(ref current, null);
            Volatile.Write(ref busy, 0);
        }
        if (job.Error is not null) throw new AggregateException(job.Error);
    }

    private static Worker[] StartWorkers()
    {
        var list = new Worker[Math.Max(Count - 1, 0)];
        for (int i = 0; i < list.Length; i++)
        {
            var w = list[i] = new Worker();
            int self = i + 1;
            new Thread(() => Run(w, self)) { IsBackground = true, Name = $"Cores worker {i + 1}" }.Start();
        }
        return list;
    }

    private static void Run(Worker worker, int self)
    {
        insideItem = true;
        long seen = Volatile.Read(ref generation);
        while (true)
        {
            long started = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref generation) == seen)
            {
                if (Stopwatch.GetTimestamp() - started < SpinTicks) { Thread.SpinWait(20); continue; }
                // Sleep; a caller that posts a job after this point sees Sleeping = 1 and wakes us.
                Interlocked.Exchange(ref worker.Sleeping, 1);
                if (Volatile.Read(ref generation) == seen || Interlocked.Exchange(ref worker.Sleeping, 0) == 0)
                    worker.Wake.Wait();
                started = Stopwatch.GetTimestamp();
            }
            seen = Volatile.Read(ref generation);
            Volatile.Read(ref current)?.Help(self);
        }
    }
}
