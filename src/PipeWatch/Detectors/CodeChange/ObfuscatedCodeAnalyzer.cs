using PipeWatch.Detectors.CodeChange.Obfuscation;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Finds obfuscated or hidden code in the lines each commit adds: decoded-and-executed blobs, Trojan Source and invisible characters, homoglyph identifiers, minified payloads, encoded blobs in build scripts.</summary>
/// <remarks>
/// Only added lines are read, so a file is judged on what a commit brings in; a file whose new content already appeared earlier in the
/// scanned range is skipped, and so are commits before the range (nothing is learned). Cheap gates (a keyword, a non-ASCII character,
/// a long line, a build-script name) keep the regexes off ordinary lines.
/// </remarks>
public sealed class ObfuscatedCodeAnalyzer : ICommitAnalyzer
{
    private readonly ILineCheck[] _checks;

    public ObfuscatedCodeAnalyzer(ObfuscatedCodeOptions? options = null)
    {
        var settings = options ?? new ObfuscatedCodeOptions();
        _checks = [new DecodeAndExecuteCheck(), new HiddenUnicodeCheck(), new HomoglyphIdentifierCheck(), new MinifiedPayloadCheck(settings.MinifiedLineLength), new BuildScriptBlobCheck()];
    }

    public DetectorInfo Info { get; } = new(
        "code-change.obfuscated-code",
        Categories.ObfuscatedCode,
        [],
        "Obfuscated or hidden code added by a commit: encoded blobs decoded and executed, bidi/invisible characters, homoglyph identifiers, minified payloads, encoded blobs in build scripts.");

    public void Analyze(GitCommit commit, CommitContext context)
    {
        if (context.LearnOnly) return;
        for (var index = 0; index < commit.Files.Count; index++)
        {
            var change = commit.Files[index];
            // Content already seen earlier in the scanned range (a merge, a cherry-pick, a revert of a revert) was judged there.
            if (change.Binary || change.Added.Count == 0 || context.FirstSightings is { } first && !first[index]) continue;
            var content = change.NewBlob is null ? null : context.Blobs.ReadText(change.NewBlob);
            var file = new AddedFile(change.Path, change.Added, content);
            foreach (var issue in _checks.SelectMany(c => c.Check(file)))
            {
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
}
