using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.ThreatIntel;

/// <summary>
/// Finds a known-bad file hash: on a build artifact or archive member (<c>ingest --artifacts</c>), on a file or process in runner
/// telemetry (<c>file.hash.*</c>, <c>process.hash.*</c>), or printed in a CI job log (a checksum, an image digest).
/// </summary>
/// <remarks>Stateless over an index built once per run; one finding per hash per run and job, or per artifact path.</remarks>
internal sealed class MaliciousHashDetector : IDetector, ICommitDetector, ICommitPreparer
{
    /// <summary>The telemetry fields holding hashes, ECS names.</summary>
    public static readonly IReadOnlyList<string> HashFields =
        ["file.hash.sha256", "file.hash.sha1", "file.hash.md5", "process.hash.sha256", "process.hash.sha1", "process.hash.md5"];

    private readonly IndicatorIndex _index;

    /// <param name="index">The indicators in force; none when null.</param>
    public MaliciousHashDetector(IndicatorIndex? index = null) => _index = index ?? IndicatorIndex.Empty;

    public DetectorInfo Info { get; } = new(
        "threat-intel.malicious-hash",
        Categories.MaliciousHash,
        [EventKind.Telemetry, EventKind.JobLog],
        "A build artifact, archive member, runner file or process, a checksum in a job log or a hash a commit adds that is in an imported feed.");

    public void Inspect(Event e, DetectionContext context)
    {
        var index = _index.Current;
        if (index.Count == 0) return;
        if (e.Kind == EventKind.Telemetry)
        {
            foreach (var field in HashFields)
            {
                // One finding per file: its strongest hash that a feed lists (SHA-256 first).
                if (!e.Fields.TryGetValue(field, out var hash) || index.Hash(hash.AsSpan().Trim()) is not { } indicator) continue;
                Report(e, indicator, hash.Trim().ToLowerInvariant(), field, null, context);
                break;
            }
        }
        else if (e.Log is { } log)
        {
            var found = new List<IndicatorMatch>();
            IndicatorScanner.Scan(log.Text, index, found, IndicatorScope.Hashes);
            foreach (var match in found)
            {
                Report(e, match.Indicator, match.Observed, null, (log.Step, log.LineOf(match.Index)), context);
            }
        }
    }

    /// <summary>In <c>scan</c>: the indicators in the lines a commit adds (<see cref="CommitIndicators"/>); run on the scan's workers.</summary>
    public object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs) =>
        learnOnly ? null : CommitIndicators.Find(commit, firstSightings, _index.Current, IndicatorScope.Hashes);

    public void Inspect(GitCommit commit, CommitContext context)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(context);
        if (context.LearnOnly) return;
        var found = context.Prepared as List<CommitIndicator> ?? CommitIndicators.Find(commit, context.FirstSightings, _index.Current, IndicatorScope.Hashes);
        foreach (var each in found)
        {
            var title = $"Commit {Short(commit)} adds a known-bad {IndicatorKinds.Name(each.Match.Indicator.Kind).ToUpperInvariant()}";
            context.Report(CommitIndicators.ToFinding(Info, each, commit, context, Severity.Critical, title, "A build that pins, downloads or checks against it takes in a known-bad file: remove it and find out where it came from.", "T1195"));
        }
    }

    private static string Short(GitCommit commit) => commit.Sha[..Math.Min(12, commit.Sha.Length)];

    private void Report(Event e, Indicator indicator, string observed, string? field, (string? Step, int Line)? log, DetectionContext context)
    {
        var path = e.Fields.GetValueOrDefault("file.path") ?? e.Fields.GetValueOrDefault("process.executable");
        var member = e.Fields.GetValueOrDefault(ArtifactFields.Member);
        var artifact = e.Dataset == ArtifactFields.Dataset;
        var what = artifact ? member is null ? $"Artifact '{path}'" : $"Member '{member}' of artifact '{path}'"
            : log is not null ? $"A hash printed in {IndicatorFindings.Where(e, log.Value.Step)}"
            : path is not null ? $"'{path}' on the runner" : "A file on the runner";
        var seenIn = log is { } l ? $"line {l.Line.ToString(CultureInfo.InvariantCulture)} of the log" : artifact ? $"the {field![(field!.LastIndexOf('.') + 1)..]} of the artifact" : $"runner telemetry field {field}";
        var run = IndicatorFindings.NullIfEmpty(e.Ci.RunId);
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = IndicatorFindings.Severity(indicator, Severity.Critical),
            Title = $"{what} matches a known-bad {IndicatorKinds.Name(indicator.Kind).ToUpperInvariant()}",
            Explanation = $"{what} ({seenIn}, {e.Origin}{(run is null ? "" : $", run {run}")}) has the hash {observed}, the " +
                $"{IndicatorFindings.Describe(indicator, context.Now)}. Quarantine the file, find the step that produced or fetched it, and rebuild from clean inputs.",
            Entity = IndicatorFindings.Entity(e, log?.Step),
            Location = new Location(run, artifact ? path : e.Origin.File, log?.Line ?? e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence = [.. IndicatorFindings.Evidence(indicator, observed, seenIn), .. member is null ? Array.Empty<Evidence>() : [Evidence.Of("archive_member", member)]],
            Techniques = IndicatorFindings.Techniques(indicator, "T1195"),
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = artifact
                ? Fingerprint.Of(Info.Id, e.Ci.Repository, path, member, e.Fields.GetValueOrDefault("file.hash.sha256"))
                : Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job, path, indicator.Value),
        });
    }
}
