namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>Scrapes a <see cref="ScrapeTarget"/> at the start, every interval, and once more at the stop, into a <see cref="ScrapeSeries"/>.</summary>
/// <remarks>Failed scrapes are counted with the first reason; parse problems of the first scrape that had any are kept. Owns neither the target nor the clock.</remarks>
internal sealed class ScrapeLoop(ScrapeTarget target, TimeSpan interval, TimeProvider time)
{
    public ScrapeSeries Series { get; } = new();

    public int Failed { get; private set; }

    public string? FirstProblem { get; private set; }

    /// <summary>Scrapes until <paramref name="stop"/> is cancelled, then scrapes once more (the end of the run) and returns.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                // A scrape under way is finished (the target's timeout bounds it): the first one must count even when the run is shorter.
                await ScrapeAsync(CancellationToken.None).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }

        await ScrapeAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task ScrapeAsync(CancellationToken cancellationToken)
    {
        var (scrape, problem) = await target.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (scrape is null)
        {
            Failed++;
            FirstProblem ??= problem;
            return;
        }

        if (scrape.Problems.Count > 0) FirstProblem ??= $"{target.Display}: {scrape.Problems[0]}";
        Series.Add(scrape, (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond);
    }
}
