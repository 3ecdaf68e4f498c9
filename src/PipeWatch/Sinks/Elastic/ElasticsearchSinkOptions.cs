namespace PipeWatch.Sinks.Elastic;

/// <summary>Settings of <c>sink: elasticsearch</c> (also OpenSearch): the cluster URL, the data stream, and an API key or a user and password (secrets).</summary>
internal sealed record ElasticsearchSinkOptions
{
    public string Url { get; init; } = "";

    /// <summary>The data stream (or index) written to; the shipped index template matches <c>logs-pipewatch.alerts-*</c>.</summary>
    public string Index { get; init; } = "logs-pipewatch.alerts-default";

    /// <summary>An Elasticsearch API key, as the encoded id:key the API returns (sent as <c>Authorization: ApiKey …</c>).</summary>
    public string? ApiKey { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }
}
