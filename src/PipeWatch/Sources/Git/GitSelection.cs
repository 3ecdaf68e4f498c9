namespace PipeWatch.Sources.Git;

/// <summary>Which commits a history scan reads: by default every commit reachable from HEAD.</summary>
/// <param name="Range"><c>A..B</c>: the commits reachable from B and not from A (a push); the history up to A is learned from.</param>
/// <param name="Since">Commits at or after this date (any date git accepts); earlier ones are learned from.</param>
/// <param name="All">Every commit reachable from any ref (branches, tags, remotes, stash).</param>
/// <param name="Staged">Only the changes staged in the index against HEAD (a pre-commit hook).</param>
/// <param name="LearnLimit">With <paramref name="Range"/> or <paramref name="Since"/>: at most this many of the newest commits before the
/// range are read for detectors to learn from (0: none), so that scanning a push does not cost a read of the whole history.</param>
public sealed record GitSelection(string? Range = null, string? Since = null, bool All = false, bool Staged = false, int LearnLimit = GitSelection.DefaultLearnLimit)
{
    /// <summary>Commits before the range learned from unless said otherwise.</summary>
    public const int DefaultLearnLimit = 10_000;

    /// <summary>The whole history of HEAD.</summary>
    public static GitSelection Default { get; } = new();
}
