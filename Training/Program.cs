// Entry point of the `engine` command-line program. Commands are added by the training issue.
Console.WriteLine("engine: commands arrive with the training program");
return 0;
