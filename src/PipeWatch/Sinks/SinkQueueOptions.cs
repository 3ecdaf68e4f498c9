namespace PipeWatch.Sinks;

/// <summary>The queue in front of one sink (<see cref="IsolatedSink"/>): its size, what happens when it is full, how long the end may take.</summary>
public sealed record SinkQueueOptions
{
    /// <summary>Options for an output that must be complete (a file, the terminal, a report): detection waits for it rather than lose a finding.</summary>
    public static SinkQueueOptions Lossless { get; } = new();

    /// <summary>Options for a remote alert route: a route that is down or slow loses (and counts) alerts rather than slow detection.</summary>
    public static SinkQueueOptions DropWhenFull { get; } = new() { WhenFull = SinkQueueFullMode.DropNewest };

    /// <summary>Committed batches waiting for the sink, at most.</summary>
    public int Capacity { get; init; } = 256;

    public SinkQueueFullMode WhenFull { get; init; } = SinkQueueFullMode.Wait;

    /// <summary>How long the end of a run waits for the sink to take what is queued and finish; what is left then is counted as dropped.</summary>
    public TimeSpan CompletionTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What a full sink queue does with the next batch.</summary>
public enum SinkQueueFullMode
{
    /// <summary>The engine waits for room: nothing is lost, and a sink that stops taking batches in time holds up detection.</summary>
    Wait,

    /// <summary>The batch is dropped and counted: detection never waits for the sink.</summary>
    DropNewest,
}
