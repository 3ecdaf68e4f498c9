namespace PipeWatch.Detectors.Deployment;

/// <summary>Settings of <see cref="UnusualDeployActorDetector"/> (<c>detectors.deployment.unusual-actor</c> in pipewatch.yml).</summary>
public sealed record UnusualDeployActorOptions
{
    /// <summary>Deployments a repository and environment must have before a new actor, or a human where only bots deployed, is reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Globs of accounts that are machines though they look human (deploy users, CD service accounts); <c>[bot]</c> logins and service accounts are known already.</summary>
    public IReadOnlyList<string> Bots { get; init; } = [];
}
