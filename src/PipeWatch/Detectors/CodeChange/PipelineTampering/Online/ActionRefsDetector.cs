using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering.Online;

/// <summary>
/// The workflow checks that need the action's repository (<c>scan --online</c>): impostor commits, ref confusion, a version comment
/// that names another commit, and (pedantic) a SHA no tag points to; each <c>uses: owner/repo@ref</c> a change introduces is asked about.
/// </summary>
/// <remarks>
/// As <see cref="PipelineTamperingDetector"/>, a new definition is judged whole and a changed one by the references it adds. A question
/// GitHub cannot answer (rate limit, timeout, error) leaves that check unknown: a problem naming the file, line and reason, never a finding.
/// </remarks>
internal sealed class ActionRefsDetector(GitHubRefsClient github, IProblemReporter? problems, bool pedantic, bool recognizeByContent) : ICommitDetector
{
    public static readonly string ImpostorCommit = Scripts.Rule("impostor-commit");
    public static readonly string RefConfusion = Scripts.Rule("ref-confusion");
    public static readonly string RefVersionMismatch = Scripts.Rule("ref-version-mismatch");
    public static readonly string StaleActionRef = Scripts.Rule("stale-action-ref");

    private readonly CiDefinitionCache _definitions = new();
    private readonly HashSet<string> _unknownReported = new(StringComparer.Ordinal);

    public DetectorInfo Info { get; } = new(
        "code-change.pipeline-tampering-online",
        Categories.PipelineTampering,
        [],
        "Actions whose pinned commit or ref GitHub answers for: impostor commits, refs that are both a branch and a tag, version comments naming another commit, SHAs no tag points to.");

    public void Inspect(GitCommit commit, CommitContext context)
    {
        if (context.LearnOnly) return;
        foreach (var file in commit.Files)
        {
            if (file.Kind == FileChangeKind.Deleted || file.NewBlob is null) continue;
            var byPath = CiDefinitionParser.Classify(file.Path);
            if (byPath is null && !(recognizeByContent && (file.Path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || file.Path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)))) continue;
            if (context.Blobs.ReadText(file.NewBlob) is not { } text) continue;
            var platform = byPath ?? CiDefinitionParser.ClassifyByContent(file.Path, text);
            if (platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)) continue;
            if (_definitions.Parse(file.Path, file.NewBlob, text, platform.Value) is not { } after) continue;
            var before = file.OldBlob is not null && context.Blobs.ReadText(file.OldBlob) is { } old
                ? _definitions.Parse(file.OldPath ?? file.Path, file.OldBlob, old, platform.Value)
                : null;
            var known = before is null ? [] : ActionRefs.Of(before).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var reference in ActionRefs.Of(after).Where(r => !known.Contains(r.Key)))
            {
                foreach (var issue in Check(reference, file.Path)) context.Report(PipelineTamperingDetector.ToFinding(issue, Info.Category, commit, file.Path, context));
            }
        }
    }

    private IEnumerable<WorkflowIssue> Check(ActionRef reference, string path)
    {
        var (repo, action, value, line) = (reference.Repository, reference.Action, reference.Ref, reference.Line);
        if (!reference.IsSha)
        {
            var branch = github.HasRef(repo, "heads", value);
            var tag = branch.Known ? github.HasRef(repo, "tags", value) : branch;
            if (!tag.Known) Unknown(RefConfusion, reference, path, tag.Why!);
            else if (branch.Value && tag.Value)
            {
                yield return Issue(RefConfusion, Severity.Medium, reference, $"{value}",
                    $"{action}@{value} names both a branch and a tag of {repo}",
                    $"'{value}' is both a branch and a tag in {repo}; GitHub resolves such a ref by its own order, so whoever can push the branch can change the code this step runs while the tag still reads as a release. Pin the full commit SHA.");
            }

            yield break;
        }

        var reachable = github.Reachable(repo, value);
        if (!reachable.Known) Unknown(ImpostorCommit, reference, path, reachable.Why!);
        else if (!reachable.Value)
        {
            yield return Issue(ImpostorCommit, Severity.High, reference, value,
                $"{action}@{value[..12]} is not a commit of any branch or tag of {repo}",
                $"GitHub serves a fork's commits through the parent repository's name, so a SHA pin can run code that {repo}'s maintainers never merged: {value} is reachable from none of its branches and tags. Check which fork it comes from and pin a commit of a release of {repo}.");
            yield break;
        }

        var tags = github.Tags(repo);
        if (!tags.Known)
        {
            Unknown(RefVersionMismatch, reference, path, tags.Why!);
            yield break;
        }

        if (reference.Comment is { } comment && tags.Value!.FirstOrDefault(t => t.Name == comment) is { Name: not null } named && named.Sha != value
            && !tags.Value!.Any(t => t.Sha == value && (t.Name == comment || t.Name.StartsWith(comment + ".", StringComparison.Ordinal))))
        {
            yield return Issue(RefVersionMismatch, Severity.Medium, reference, value + "#" + comment,
                $"{action}@{value[..12]} is labelled {comment}, but {comment} is {named.Sha[..12]}",
                $"The version comment says {comment}, but in {repo} that tag points to {named.Sha}, not {value}: the comment is stale (the pin was moved without it) or the SHA was swapped for other code behind a familiar label. Pin the tag's commit, or correct the comment.");
        }
        else if (pedantic && tags.Value!.Count > 0 && tags.Value.All(t => t.Sha != value))
        {
            yield return Issue(StaleActionRef, Severity.Low, reference, value,
                $"{action}@{value[..12]} is not the commit of any tag of {repo}",
                $"{value} is on a branch of {repo} but no release tag points to it: an unreleased commit, whose review and changelog no release stands behind. Pin the commit of a tagged release.");
        }
    }

    private static WorkflowIssue Issue(string rule, Severity severity, ActionRef reference, string key, string title, string explanation) =>
        new(rule, severity, reference.Line, reference.Job, reference.Step, $"{reference.Action}@{key}", title, explanation);

    private void Unknown(string rule, ActionRef reference, string path, string why)
    {
        if (!_unknownReported.Add($"{rule}|{reference.Action}@{reference.Ref}")) return;
        problems?.Report(new Problem(path, $"{rule} of {reference.Action}@{reference.Ref} is unknown: {why}", reference.Line));
    }
}
