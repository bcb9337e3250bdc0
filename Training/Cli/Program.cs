// Entry point of the command-line program: train, compare, sample, parity, bench (see Cli/).
return Engine.Training.Cli.EntryPoint.Run(args);
