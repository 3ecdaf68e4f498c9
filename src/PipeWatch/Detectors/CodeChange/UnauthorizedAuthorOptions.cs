using PipeWatch.Configuration;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="UnauthorizedAuthorDetector"/> (<c>detectors.code-change.unauthorized-author</c> in pipewatch.yml).</summary>
internal sealed record UnauthorizedAuthorOptions
{
    /// <summary>Commits a repository must have before a first-time author, or an unsigned commit in a signed history, is reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Share of a repository's checked commits that must be signed for an unsigned one to stand out.</summary>
    public double SignedShare { get; init; } = 0.95;

    /// <summary>Who may change what: per repository glob and path globs, the author/pusher globs allowed.</summary>
    public IReadOnlyList<AuthorRule> Authors { get; init; } = [];

    /// <summary>Globs of machine identities that look human (release users, service accounts); <c>[bot]</c> and the usual automation addresses are known already.</summary>
    public IReadOnlyList<string> Bots { get; init; } = [];

    /// <summary>Its <c>detectors.code-change.unauthorized-author</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnauthorizedAuthorOptions>(
        "code-change.unauthorized-author",
        [
            Setting.MinimumSamples<UnauthorizedAuthorOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Number<UnauthorizedAuthorOptions>("signed-share", 0.5, 1, (o, v) => o with { SignedShare = v }),
            Setting.Strings<UnauthorizedAuthorOptions>("bots", (o, v) => o with { Bots = v }),
            new("authors", (reader, node, at, o) => o with { Authors = AuthorRulesReader.Read(reader, node, at) }),
        ]);
}

/// <summary>An allowlist entry: in repositories matching <paramref name="Repository"/>, changes to paths matching <paramref name="Paths"/> (all paths when empty) may only come from <paramref name="Allow"/>.</summary>
/// <param name="Allow">Globs matched against the author's and pusher's e-mail, login and name.</param>
internal sealed record AuthorRule(string Repository, IReadOnlyList<string> Paths, IReadOnlyList<string> Allow);
