namespace PipeWatch.Detectors.Network;

/// <summary>Settings of <see cref="UnusualEgressDetector"/>.</summary>
public sealed record UnusualEgressOptions
{
    /// <summary>Runs a job's baseline must hold before a new endpoint is reported.</summary>
    public int MinimumRuns { get; init; } = 5;

    /// <summary>Endpoints never reported: a host name (<c>*.example.com</c> globs a domain's subdomains), <c>host:port</c>, an IP or a CIDR.</summary>
    public IReadOnlyList<string> Allow { get; init; } = [];

    /// <summary>Whether the shipped list of package registries and CI platform hosts (<see cref="WellKnownEndpoints"/>) is allowed too.</summary>
    public bool AllowWellKnown { get; init; } = true;
}
