using System.Globalization;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Finds risky changes to CI definitions (GitHub Actions workflows and actions, GitLab CI, Azure Pipelines, Jenkinsfiles) in each commit.</summary>
/// <remarks>
/// A definition a commit adds is analysed whole; one it modifies is compared with its previous version, and only what the change
/// introduced is reported (an issue whose line-free key the old version already had is not), plus the steps, jobs and triggers it
/// added, removed or moved. Fingerprints leave the commit out, so an issue is reported once per store however often it is scanned.
/// A definition that does not parse is skipped: the CI system rejects it too, so it runs nothing.
/// </remarks>
/// <param name="options">The level: weaknesses only (the default), or hygiene too.</param>
/// <param name="recognizeByContent">
/// Also read YAML files outside the CI paths to recognize CI definitions by their keys: for a plain folder or a single file
/// (<c>scan --no-git</c>), where a workflow may sit anywhere. A git history keeps CI definitions at their platform's paths, and
/// reading every other YAML file of every commit costs a history scan a third of its time.
/// </param>
internal sealed class PipelineTamperingDetector(PipelineTamperingOptions? options = null, bool recognizeByContent = false) : ICommitDetector, ICommitPreparer
{
    internal static readonly IWorkflowCheck[] Checks =
    [
        new DownloadAndExecuteCheck(), new SecretsExfiltrationCheck(), new DebugLoggingCheck(), new UntrustedCheckoutCheck(),
        new TemplateInjectionCheck(), new GitHubEnvInjectionCheck(), new SecretsInheritCheck(), new PermissionsWidenedCheck(),
        new SelfHostedRunnerCheck(), new UnpinnedActionCheck(), new UnpinnedImageCheck(),
        new InsecureCommandsCheck(), new HardcodedContainerCredentialsCheck(), new UnredactedSecretsCheck(), new BotConditionsCheck(),
        new UnsoundContainsCheck(), new UnsoundConditionCheck(), new ArtipackedCheck(), new CachePoisoningCheck(), new TrustedPublishingCheck(),
    ];

    private static readonly IWorkflowChangeCheck[] ChangeChecks = [new StepsChangedCheck(), new NewJobCheck(), new NewTriggerCheck(), new PermissionsWidenedCheck()];

    private readonly bool _pedantic = options?.Level == PipelineTamperingOptions.Pedantic;

    // Each version of a definition parsed once (its blob is read once too, by the scan's blob cache).
    private readonly CiDefinitionCache _definitions = new();

    // What the checks found in each parsed definition (a pure function of it): a definition's "after" issues are its next
    // change's "before" issues, found once; a version derived from the previous one by a small change runs only the checks that
    // can see the change. Held as long as the definition is.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CiDefinition, CheckedVersion> _found = [];

    // The pins the `uses:` values read as, read once per value: a derived version keeps the steps its change did not reach.
    private readonly PinReads _pinReads = new();

    public DetectorInfo Info { get; } = new(
        "code-change.pipeline-tampering",
        Categories.PipelineTampering,
        [],
        "A CI definition changed in a risky way: download-and-execute, exfiltration, injection, dangerous triggers, widened permissions, unpinned actions and images, steps/jobs/triggers added.");

    public void Inspect(GitCommit commit, CommitContext context)
    {
        var prepared = context.Prepared as PreparedDefinitions;
        for (var i = 0; i < commit.Files.Count; i++)
        {
            var file = commit.Files[i];
            if ((prepared is null ? Definitions(file, context.Blobs) : prepared.Files[i]) is not (var before, var after)) continue;
            var pins = context.Detection.Baselines.Get<ActionPins>(ActionPins.Key(context.Repository));
            var checkedBefore = before is null ? null : Checked(before);
            var checkedAfter = Checked(after, before);
            var change = before is null ? null : Change(before, checkedBefore!, after);
            // A check that did not run on a derived version kept the previous version's issues, none of which the change
            // introduced: only the issues of the checks that ran are compared with the previous version's.
            var found = change is null ? checkedAfter.Issues : RanIssues(checkedAfter);
            var issues = Introduced(before, after, pins, _pedantic, found, checkedBefore?.Keys, change, _pinReads);
            if (context.LearnOnly) continue;
            foreach (var issue in issues) context.Report(ToFinding(issue, Info.Category, commit, file.Path, context));
        }
    }

    /// <summary>
    /// Parses, on a preparation worker, both versions of every CI definition the commit changed and runs the checks on each (a
    /// pure function of the definition): the detectors' thread is left the comparison and the pins.
    /// </summary>
    object? ICommitPreparer.Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs)
    {
        var files = new (CiDefinition? Before, CiDefinition After)?[commit.Files.Count];
        for (var i = 0; i < files.Length; i++)
        {
            if (Definitions(commit.Files[i], blobs) is not (var before, var after)) continue;
            files[i] = (before, after);
            if (before is not null) Checked(before);
            Checked(after, before);
        }

        return new PreparedDefinitions(files);
    }

    // The previous (null for a new file) and the new version of a changed CI definition; null when the file is none, or the new
    // version does not parse.
    private (CiDefinition? Before, CiDefinition After)? Definitions(GitFileChange file, IBlobReader blobs)
    {
        if (file.Kind == FileChangeKind.Deleted || file.NewBlob is null) return null;
        var byPath = CiDefinitionParser.Classify(file.Path);
        if (byPath is null && !(recognizeByContent && IsYaml(file.Path))) return null;
        if (blobs.ReadText(file.NewBlob) is not { } text) return null;
        if ((byPath ?? CiDefinitionParser.ClassifyByContent(file.Path, text)) is not { } platform) return null;
        // The previous version first: the new one is derived from its model when the change allows (a pin bump), not parsed.
        var before = file.OldBlob is not null && blobs.ReadText(file.OldBlob) is { } old
            ? _definitions.Parse(file.OldPath ?? file.Path, file.OldBlob, old, CiDefinitionParser.Classify(file.OldPath ?? file.Path) ?? platform)
            : null;
        var after = _definitions.Parse(file.Path, file.NewBlob, text, platform, previous: before);
        return after is null ? null : (before, after);
    }

    private static bool IsYaml(string path) => path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase);

    /// <summary>What a change from <paramref name="before"/> (null for a new file) to <paramref name="after"/> introduced, learning its pins.</summary>
    /// <param name="pedantic">Also report hygiene issues (<see cref="WorkflowIssue.Pedantic"/>); the default level reports weaknesses only.</param>
    /// <param name="checksOf">What <see cref="Checks"/> find in a definition, when the caller keeps it (the same as running them).</param>
    /// <param name="change">What the change replaced, when <paramref name="after"/> was derived from <paramref name="before"/>: the comparisons that cannot see it find nothing and are not run.</param>
    public static IReadOnlyList<WorkflowIssue> Inspect(
        CiDefinition? before, CiDefinition after, ActionPins pins, bool pedantic = false, Func<CiDefinition, IReadOnlyList<WorkflowIssue>>? checksOf = null, DerivedChange? change = null)
    {
        checksOf ??= Check;
        var existing = before is null ? null : checksOf(before).Select(i => i.Rule + "|" + i.Key).ToHashSet(StringComparer.Ordinal);
        return Introduced(before, after, pins, pedantic, checksOf(after), existing, change);
    }

    // What the change introduced, from the issues found in `after` and the rule|key of those found in `before`.
    private static List<WorkflowIssue> Introduced(
        CiDefinition? before, CiDefinition after, ActionPins pins, bool pedantic, IReadOnlyList<WorkflowIssue> found, IReadOnlySet<string>? existing, DerivedChange? change,
        PinReads? pinReads = null)
    {
        var issues = found.Where(i => pedantic || !i.Pedantic).Concat(PinTagMismatchCheck.Check(after, pins, pinReads)).ToList();
        if (before is null) return [.. issues, .. DangerousTriggerCheck.Check(after)];
        issues.RemoveAll(i => existing!.Contains(i.Rule + "|" + i.Key));
        issues.AddRange(ChangeChecks.Where(c => change is null || c.Sees(change)).SelectMany(c => c.Compare(before, after)));
        return issues;
    }

    private static List<WorkflowIssue> Check(CiDefinition definition) => [.. Checks.SelectMany(c => c.Check(definition))];

    // What the checks find in a definition, found once: derived from the previous version's results when the cache derived its
    // model from that version's (a pin bump), else every check run on it.
    private CheckedVersion Checked(CiDefinition definition, CiDefinition? previous = null)
    {
        if (_found.TryGetValue(definition, out var held)) return held;
        var found = previous is not null && _found.TryGetValue(previous, out var before) && Change(previous, before, definition) is { } change
            ? CheckedVersion.Derive(definition, before, change, Checks)
            : CheckedVersion.Whole(definition, Checks);
        return _found.GetValue(definition, _ => found);
    }

    // The issues of the checks that ran on a version.
    private static List<WorkflowIssue> RanIssues(CheckedVersion version)
    {
        var issues = new List<WorkflowIssue>();
        foreach (var check in version.Ran) issues.AddRange(version.ByCheck[check]);
        return issues;
    }

    // The change from `before` to `after` when the cache derived the one from the other, else null.
    private DerivedChange? Change(CiDefinition before, CheckedVersion checkedBefore, CiDefinition after) =>
        _definitions.EditFrom(before, after) is { } edit ? new DerivedChange(edit, checkedBefore.ConditionLines) : null;

    /// <summary>The finding for a workflow issue that a commit brought into <paramref name="path"/> (the online checks' too).</summary>
    internal static Finding ToFinding(WorkflowIssue issue, string category, GitCommit commit, string path, CommitContext context) => new()
    {
        Rule = issue.Rule,
        Category = category,
        Severity = issue.Severity,
        Title = issue.Title,
        Explanation = issue.Explanation + string.Create(CultureInfo.InvariantCulture,
            $" Introduced in {path}:{issue.Line} by commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} ({commit.Author.Name} <{commit.Author.Email}>)."),
        Entity = new Entity(context.Repository, path, issue.Job, issue.Step, commit.Author.Email),
        Location = new Location(File: path, Line: issue.Line, Commit: commit.Sha),
        Evidence = [Evidence.Of("commit", commit.Sha), Evidence.Of("author", commit.Author.Email)],
        Techniques = ["T1195.002"],
        Timestamp = commit.Committer.When,
        DetectedAt = context.Detection.Now,
        Fingerprint = Fingerprint.Of(issue.Rule, context.Repository, path, issue.Key),
    };

    // Per file of the commit: its definitions, or null when it is no CI definition (as Definitions gives them).
    private sealed class PreparedDefinitions((CiDefinition? Before, CiDefinition After)?[] files)
    {
        public (CiDefinition? Before, CiDefinition After)?[] Files { get; } = files;
    }
}
