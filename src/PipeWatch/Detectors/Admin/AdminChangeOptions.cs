namespace PipeWatch.Detectors.Admin;

/// <summary>Settings of <see cref="AdminChangeDetector"/> (<c>detectors.access.permission-widened</c>).</summary>
public sealed record AdminChangeOptions
{
    /// <summary>Webhook hosts that are not "outside": a host matches an entry or is a subdomain of it (<c>example.com</c> covers <c>ci.example.com</c>).</summary>
    public IReadOnlyList<string> WebhookDomains { get; init; } = [];
}
