namespace PipeWatch.Sinks.Webhook;

/// <summary>Settings of <c>sink: webhook</c>: where to POST, the HMAC secret, extra headers (each may be <c>${env:NAME}</c>).</summary>
internal sealed record WebhookSinkOptions
{
    public string Url { get; init; } = "";

    /// <summary>Signs each body: <c>X-PipeWatch-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.</summary>
    public string? Secret { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
