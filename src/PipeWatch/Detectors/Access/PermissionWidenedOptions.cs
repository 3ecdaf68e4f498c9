using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Access;

/// <summary>Settings of <see cref="PermissionWidenedDetector"/> (<c>detectors.access.permission-widened</c>).</summary>
internal sealed record PermissionWidenedOptions
{
    /// <summary>Webhook hosts that are not "outside": a host matches an entry or is a subdomain of it (<c>example.com</c> covers <c>ci.example.com</c>).</summary>
    public IReadOnlyList<string> WebhookDomains { get; init; } = [];

    /// <summary>Its <c>detectors.access.permission-widened</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<PermissionWidenedOptions>(
        "access.permission-widened",
        [
            Setting.Strings<PermissionWidenedOptions>("webhook-domains", (o, v) => o with { WebhookDomains = v }),
        ]);
}
