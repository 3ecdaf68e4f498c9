using System.Globalization;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.ThreatIntel;

/// <summary>One indicator in a line a commit added: the file (its index in <see cref="GitCommit.Files"/>), the line number and the match.</summary>
/// <remarks>A class, not a struct, as <see cref="IndicatorMatch"/> is (the per-commit lists of them).</remarks>
internal sealed record CommitIndicator(int File, int Line, IndicatorMatch Match);

/// <summary>Finds indicators in the lines a commit adds, for the two threat-intel detectors in <c>pipewatch scan</c>.</summary>
/// <remarks>
/// Every added line of a text file whose content is new to the scanned range is searched (<see cref="IndicatorScanner"/>). An
/// imported feed's indicator counts in any file; the built-in exfiltration-service list only in CI definitions (workflows,
/// actions, GitLab CI, Azure Pipelines, Jenkinsfiles), where a call to such a service is a step about to run, while a
/// README or a test naming one is not. Stateless: safe on the scan's worker threads.
/// </remarks>
internal static class CommitIndicators
{
    public static List<CommitIndicator> Find(GitCommit commit, IReadOnlyList<bool>? firstSightings, IndicatorIndex index, IndicatorScope scope)
    {
        var found = new List<CommitIndicator>();
        if (index.Count == 0) return found;
        var matches = new List<IndicatorMatch>();
        for (var i = 0; i < commit.Files.Count; i++)
        {
            var change = commit.Files[i];
            if (change.Binary || change.Added.Count == 0 || (firstSightings is not null && i < firstSightings.Count && !firstSightings[i])) continue;
            bool? ci = null;
            // Each line as a span of the file's added text: no string per line.
            var lines = AddedText.Of(change.Added);
            for (var l = 0; l < lines.Count; l++)
            {
                matches.Clear();
                IndicatorScanner.Scan(lines.Span(l), index, matches, scope);
                foreach (var match in matches)
                {
                    if (match.Indicator.BuiltIn && !(ci ??= CiDefinitionParser.Classify(change.Path) is not null)) continue;
                    found.Add(new CommitIndicator(i, lines.Number(l), match));
                }
            }
        }

        return found;
    }

    /// <summary>The finding of an indicator a commit added; its fingerprint leaves the commit out, so it is reported once per store.</summary>
    public static Finding ToFinding(DetectorInfo info, CommitIndicator found, GitCommit commit, CommitContext context, Severity strong, string title, string advice, string fallbackTechnique)
    {
        var change = commit.Files[found.File];
        var indicator = found.Match.Indicator;
        var sha = commit.Sha[..Math.Min(12, commit.Sha.Length)];
        var at = $"line {found.Line.ToString(CultureInfo.InvariantCulture)} of {change.Path}";
        var seenIn = $"{at} as added by commit {sha}";
        return new Finding
        {
            Rule = info.Id,
            Category = info.Category,
            Severity = IndicatorFindings.Severity(indicator, strong),
            Title = $"{title}: {found.Match.Observed}",
            Explanation = $"Commit {sha} ({commit.Author.Name} <{commit.Author.Email}>) adds '{found.Match.Observed}' at {at}, " +
                $"and it matches the {IndicatorFindings.Describe(indicator, context.Detection.Now)}. {advice}",
            Entity = new Entity(context.Repository, Actor: commit.Author.Email),
            Location = new Location(File: change.Path, Line: found.Line, Commit: commit.Sha),
            Evidence = [.. IndicatorFindings.Evidence(indicator, found.Match.Observed, seenIn), Evidence.Of("commit", commit.Sha), Evidence.Of("author", commit.Author.Email)],
            Techniques = IndicatorFindings.Techniques(indicator, fallbackTechnique),
            Timestamp = commit.Committer.When,
            DetectedAt = context.Detection.Now,
            Fingerprint = Fingerprint.Of(info.Id, context.Repository, change.Path, IndicatorKinds.Name(indicator.Kind), indicator.Value),
        };
    }
}
