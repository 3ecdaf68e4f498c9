namespace PipeWatch.Sinks.Splunk;

/// <summary>Settings of <c>sink: splunk-hec</c>: the collector's base URL, its token (a secret), and the event's index, sourcetype, source, host and acknowledgement channel.</summary>
internal sealed record SplunkHecSinkOptions
{
    public string Url { get; init; } = "";

    public string Token { get; init; } = "";

    public string? Index { get; init; }

    public string Sourcetype { get; init; } = "pipewatch:alert";

    public string Source { get; init; } = "pipewatch";

    public string? Host { get; init; }

    /// <summary>A GUID sent as <c>X-Splunk-Request-Channel</c>, for a token with indexer acknowledgement on.</summary>
    public string? Channel { get; init; }
}
