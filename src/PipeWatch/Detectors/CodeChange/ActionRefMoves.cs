using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>
/// Recognises a commit whose changes to CI definitions only move the refs of the actions they use (<c>uses: x@v4.4.0</c> →
/// <c>uses: x@v4.5.0</c>, a pinned SHA for another, with its version comment): what Dependabot's and Renovate's
/// <c>github-actions</c> updates do. Such a change is a dependency update of the pipeline, not a change to what it runs.
/// </summary>
/// <remarks>
/// Only a scanned commit carries its added lines, so only <c>scan</c> marks it (<see cref="Field"/> on the commit event); a
/// push webhook has no diff and stays unmarked. Every changed CI file must be modified in place with as many lines added as
/// deleted, every added line a <c>uses:</c> line or a comment. Whether the action itself can be trusted is the pipeline
/// checks' business (unpinned actions, tag mismatches), which judge the same commit.
/// </remarks>
internal static partial class ActionRefMoves
{
    /// <summary>In the commit event's fields: "true" when the commit's CI changes only move action refs.</summary>
    public const string Field = "pipewatch.ci_action_refs_only";

    /// <summary>In the commit event's fields: "true" when every file the commit changes is a CI definition whose change only moves action refs.</summary>
    public const string WholeCommitField = "pipewatch.commit_action_refs_only";

    /// <summary>True when the commit changes CI definitions only, and each only by moving action refs: a <c>github-actions</c> update and nothing else.</summary>
    public static bool IsOnlyActionRefMoves(GitCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return commit.Files.Count > 0 && commit.Files.All(f => CiDefinitionParser.Classify(f.Path) is not null) && OnlyMoveActionRefs(commit);
    }

    public static bool OnlyMoveActionRefs(GitCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var ci = commit.Files.Where(f => CiDefinitionParser.Classify(f.Path) is not null).ToList();
        return ci.Count > 0 && ci.All(f =>
            f.Kind == FileChangeKind.Modified && f.OldPath is null && f.LinesAdded > 0 && f.LinesAdded == f.LinesDeleted
            && f.Added.Count == f.LinesAdded && f.Added.All(line => UsesLine().IsMatch(line.Text)));
    }

    // "      - uses: actions/setup-python@d27e3f3d7c64b4bbf8e4abfb9b63b83e846e0435 # v4.5.0", "uses: docker://alpine@sha256:…", or a comment.
    [GeneratedRegex(@"^\s*(?:-\s*)?(?:uses:\s*['""]?[\w./:-]+@[\w.+-]+['""]?\s*(?:#.*)?|#.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex UsesLine();
}
