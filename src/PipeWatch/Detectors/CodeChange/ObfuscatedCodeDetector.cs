using PipeWatch.Detectors.CodeChange.Obfuscation;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Finds obfuscated or hidden code in the lines each commit adds: decoded-and-executed blobs, Trojan Source and invisible characters, homoglyph identifiers, minified payloads, encoded blobs in build scripts.</summary>
/// <remarks>
/// Only added lines are read, so a file is judged on what a commit brings in; a file whose new content already appeared earlier in the
/// scanned range is skipped, and so are commits before the range (nothing is learned). Cheap gates (a keyword, a non-ASCII character,
/// a long line, a build-script name) keep the regexes off ordinary lines; each gate is one search over the file's added text.
/// The checks are stateless, so they run on the scan's worker threads (<see cref="ICommitPreparer"/>); findings are made in commit order.
/// Third-party and generated files (<see cref="ThirdPartyCode"/>: path, marker, library header, <c>.gitattributes</c>) are judged only
/// when a commit edits an existing one in place, without moving it to another release; a generated file written again by its
/// generator (the marker before and after, outside vendored folders) is not such an edit.
/// </remarks>
internal sealed class ObfuscatedCodeDetector : ICommitDetector, ICommitPreparer
{
    private readonly ILineCheck[] _checks;

    public ObfuscatedCodeDetector(ObfuscatedCodeOptions? options = null)
    {
        var settings = options ?? new ObfuscatedCodeOptions();
        _checks = [new DecodeAndExecuteCheck(), new HiddenUnicodeCheck(), new HomoglyphIdentifierCheck(), new MinifiedPayloadCheck(settings.MinifiedLineLength), new BuildScriptBlobCheck()];
    }

    public DetectorInfo Info { get; } = new(
        "code-change.obfuscated-code",
        Categories.ObfuscatedCode,
        [],
        "Obfuscated or hidden code added by a commit: encoded blobs decoded and executed, bidi/invisible characters, homoglyph identifiers, minified payloads, encoded blobs in build scripts.");

    public object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(firstSightings);
        ArgumentNullException.ThrowIfNull(blobs);
        var issues = new List<(int File, LineIssue Issue)>();
        if (learnOnly) return issues;
        var found = new List<LineIssue>();
        Lazy<IReadOnlyList<System.Text.RegularExpressions.Regex>>? marked = null;
        for (var index = 0; index < commit.Files.Count; index++)
        {
            var change = commit.Files[index];
            // Content already seen earlier in the scanned range (a merge, a cherry-pick, a revert of a revert) was judged there.
            if (change.Binary || change.Added.Count == 0 || (index < firstSightings.Count && !firstSightings[index])) continue;
            var blob = change.NewBlob;
            var file = new AddedFile(change.Path, AddedText.Of(change.Added), blob is null ? null : () => blobs.ReadText(blob));
            found.Clear();
            foreach (var check in _checks) found.AddRange(check.Check(file));
            if (found.Count == 0) continue;

            // Asked only of a file with an issue: whether it is third-party, and if so whether someone edited it in place.
            marked ??= new(() => ThirdPartyCode.MarkedPaths(blobs.ReadText(commit.Sha + ":.gitattributes")));
            var thirdParty = ThirdPartyCode.IsThirdPartyPath(change.Path) || marked.Value.Any(m => m.IsMatch(change.Path)) || ThirdPartyCode.HasThirdPartyHeader(file.Content);
            if (thirdParty)
            {
                var before = change.OldBlob is { } old ? blobs.ReadText(old) : null;
                if (!ThirdPartyCode.IsInPlaceEdit(before, file.Content) || ThirdPartyCode.IsRegeneration(change.Path, before, file.Content)) continue;
            }

            foreach (var issue in found) issues.Add((index, issue));
        }

        return issues;
    }

    public void Inspect(GitCommit commit, CommitContext context)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(context);
        if (context.LearnOnly) return;
        var issues = context.Prepared as List<(int File, LineIssue Issue)>
            ?? (List<(int, LineIssue)>)Prepare(commit, context.FirstSightings ?? [.. commit.Files.Select(_ => true)], learnOnly: false, context.Blobs)!;
        foreach (var (index, issue) in issues)
        {
            var change = commit.Files[index];
            context.Report(new Finding
            {
                Rule = issue.Rule,
                Category = Info.Category,
                Severity = issue.Severity,
                Title = issue.Title,
                Explanation = $"{issue.Explanation} Added by commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} ({commit.Author.Name} <{commit.Author.Email}>).",
                Entity = new Entity(context.Repository, Actor: commit.Author.Email),
                Location = new Location(File: change.Path, Line: issue.Line, Commit: commit.Sha),
                Evidence = [Evidence.Of("commit", commit.Sha), Evidence.Of("author", commit.Author.Email)],
                Techniques = ["T1027"],
                Timestamp = commit.Committer.When,
                DetectedAt = context.Detection.Now,
                Fingerprint = Fingerprint.Of(issue.Rule, context.Repository, change.Path, issue.Key),
            });
        }
    }
}
