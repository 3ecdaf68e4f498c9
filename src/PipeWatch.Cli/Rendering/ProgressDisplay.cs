using Spectre.Console;

namespace PipeWatch.Cli.Rendering;

/// <summary>A progress bar on standard error for long work, with problems held back until it is gone.</summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="run"/> under a bar that goes from 0 to <paramref name="total"/>, fed by the progress it reports.</summary>
    /// <param name="host">Where the bar is drawn (its standard error).</param>
    /// <param name="problems">Held while the bar is up, so their lines do not tear it.</param>
    /// <param name="label">The bar's first description.</param>
    /// <param name="total">The bar's full value.</param>
    /// <param name="run">The work, given the progress sink.</param>
    /// <param name="update">Turns a progress report into the bar's value and description.</param>
    public static async Task<TResult> RunAsync<TProgress, TResult>(
        CliHost host,
        ConsoleProblemReporter problems,
        string label,
        double total,
        Func<IProgress<TProgress>, Task<TResult>> run,
        Func<TProgress, (double Value, string Description)> update)
    {
        var console = Terminal.Console(host, host.Error);
        problems.Hold();
        try
        {
            return await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(label, maxValue: total);
                    var progress = new Progress<TProgress>(p => (task.Value, task.Description) = update(p));
                    var result = await run(progress);
                    task.Value = total;
                    return result;
                });
        }
        finally
        {
            problems.Release();
        }
    }
}
