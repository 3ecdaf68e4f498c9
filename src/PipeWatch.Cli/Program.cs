using PipeWatch.Cli;

return await PipeWatchApp.RunAsync(args, CliHost.FromProcess());
