using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Settings of <see cref="UnauthorizedSecretAccessDetector"/> (<c>detectors.secrets.unauthorized-access</c>).</summary>
internal sealed record UnauthorizedSecretAccessOptions
{
    /// <summary>Secret events an organization or repository needs before an actor new to its secrets is reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Token scopes that make a new PAT or OAuth grant high severity; a trailing <c>*</c> matches a prefix (<c>admin:*</c>).</summary>
    public IReadOnlyList<string> BroadScopes { get; init; } = ["repo", "admin:*", "write:packages", "delete_repo", "workflow"];

    /// <summary>Its <c>detectors.secrets.unauthorized-access</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnauthorizedSecretAccessOptions>(
        "secrets.unauthorized-access",
        [
            Setting.MinimumSamples<UnauthorizedSecretAccessOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Strings<UnauthorizedSecretAccessOptions>("broad-scopes", (o, v) => o with { BroadScopes = v }),
        ]);
}
