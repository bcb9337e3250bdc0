// The libtorch peer on this machine, for the figures in docs/performance.md:
//   memory CELL T B I H                       libtorch's peak memory of one configuration (one per process)
//   side-by-side [CELLS] [PAIRS] [SECONDS] [T/B/I/H ...]
//                                             our step and libtorch's in alternating blocks in one process
// CELL: rnn_tanh, lstm or gru; CELLS: comma-separated (default all three); PAIRS: blocks of each
// (default 8); SECONDS: one block (default 1); shapes default to the benchmark's three.
using Engine.Training.Cli;

try
{
    switch (args.FirstOrDefault())
    {
        case "memory" when args.Length == 6:
            Memory.Run(args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]));
            return 0;
        case "side-by-side":
            var cells = args.Length > 1 ? args[1].Split(',') : ["rnn_tanh", "lstm", "gru"];
            int pairs = args.Length > 2 ? int.Parse(args[2]) : 8;
            double seconds = args.Length > 3 ? double.Parse(args[3]) : 1;
            var shapes = args.Length > 4
                ? args[4..].Select(s => s.Split('/').Select(int.Parse).ToArray()).Select(v => (v[0], v[1], v[2], v[3])).ToArray()
                : BenchCommand.Configurations;
            SideBySide.Run(cells, shapes, pairs, seconds);
            return 0;
        default:
            Console.Error.WriteLine("usage: Peer memory CELL T B I H | Peer side-by-side [CELLS] [PAIRS] [SECONDS] [T/B/I/H ...]");
            return 2;
    }
}
catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
