using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Network;

/// <summary>Settings of <see cref="UnusualEgressDetector"/> (<c>detectors.network.unusual-egress</c> in pipewatch.yml).</summary>
internal sealed record UnusualEgressOptions
{
    /// <summary>Runs a job's baseline must hold before a new endpoint is reported.</summary>
    public int MinimumRuns { get; init; } = 5;

    /// <summary>Endpoints never reported: a host name (<c>*.example.com</c> globs a domain's subdomains), <c>host:port</c>, an IP or a CIDR.</summary>
    public IReadOnlyList<string> Allow { get; init; } = [];

    /// <summary>Whether the shipped list of package registries and CI platform hosts (<see cref="WellKnownEndpoints"/>) is allowed too.</summary>
    public bool AllowWellKnown { get; init; } = true;

    /// <summary>Its <c>detectors.network.unusual-egress</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnusualEgressOptions>(
        "network.unusual-egress",
        [
            Setting.Int<UnusualEgressOptions>("min-runs", 1, 10_000, (o, v) => o with { MinimumRuns = v }),
            Setting.Strings<UnusualEgressOptions>("allow", (o, v) => o with { Allow = v }),
            Setting.Bool<UnusualEgressOptions>("allow-well-known", (o, v) => o with { AllowWellKnown = v }),
        ]);
}
