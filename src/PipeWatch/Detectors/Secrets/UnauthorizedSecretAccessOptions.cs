namespace PipeWatch.Detectors.Secrets;

/// <summary>Settings of <see cref="UnauthorizedSecretAccessDetector"/> (<c>detectors.secrets.unauthorized-access</c>).</summary>
public sealed record UnauthorizedSecretAccessOptions
{
    /// <summary>Secret events an organization or repository needs before an actor new to its secrets is reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Token scopes that make a new PAT or OAuth grant high severity; a trailing <c>*</c> matches a prefix (<c>admin:*</c>).</summary>
    public IReadOnlyList<string> BroadScopes { get; init; } = ["repo", "admin:*", "write:packages", "delete_repo", "workflow"];
}
