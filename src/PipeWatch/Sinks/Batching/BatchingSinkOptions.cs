namespace PipeWatch.Sinks.Batching;

/// <summary>How a remote sink batches, retries and ends.</summary>
public sealed record BatchingSinkOptions
{
    /// <summary>Alerts per request at most.</summary>
    public int MaxBatchSize { get; init; } = 100;

    /// <summary>How long the first queued alert waits for others before a smaller batch is sent.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Alerts waiting at most; past it the oldest are dropped and counted (a service down for hours must not fill memory).</summary>
    public int QueueLimit { get; init; } = 10_000;

    /// <summary>Attempts per batch, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first retry's delay; each next one doubles, with jitter, up to <see cref="MaxRetryDelay"/>, unless the service names one (<c>Retry-After</c>).</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>One attempt's time limit.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
