namespace PipeWatch.Detectors.Access;

/// <summary>Settings of <see cref="PermissionWidenedDetector"/> (<c>detectors.access.permission-widened</c>).</summary>
public sealed record PermissionWidenedOptions
{
    /// <summary>Webhook hosts that are not "outside": a host matches an entry or is a subdomain of it (<c>example.com</c> covers <c>ci.example.com</c>).</summary>
    public IReadOnlyList<string> WebhookDomains { get; init; } = [];
}
