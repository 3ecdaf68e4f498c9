namespace PipeWatch.Sinks.Ocsf;

/// <summary>Settings of <c>sink: ocsf</c>: a file to append OCSF JSON Lines to, or an OCSF intake URL with optional headers (e.g. an API key).</summary>
internal sealed record OcsfSinkOptions
{
    public string? File { get; init; }

    public string? Url { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
