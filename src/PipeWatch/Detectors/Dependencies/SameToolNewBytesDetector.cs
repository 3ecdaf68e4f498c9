using System.Text.RegularExpressions;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>
/// "Same tool, new bytes": a build artifact or downloaded tool whose name carries a version (<c>tool-1.4.2-linux-x64.tar.gz</c>,
/// <c>lib/guava-32.1.3-jre.jar</c> in an archive) and whose SHA-256 differs from the one that name had before in the same
/// pipeline and job. A release does not change its bytes; a replaced download or a tampered artifact does.
/// </summary>
/// <remarks>
/// Learns from every hashed file (<c>ingest --artifacts</c>, and runner telemetry with <c>file.name</c> and <c>file.hash.sha256</c>),
/// keyed by repository, pipeline, job and the name under the artifact folder (and the archive member). A name without a version
/// (<c>app.zip</c>, <c>dist/index.js</c>) is rebuilt with new bytes on every run, so it is not judged. The first sighting of a
/// name is learned, not reported; a new hash is reported once and then known (a legitimate rebuild is one finding).
/// </remarks>
internal sealed partial class SameToolNewBytesDetector : IDetector
{
    private const char Separator = '\u001f';

    public DetectorInfo Info { get; } = new(
        "dependency.same-tool-new-bytes",
        Categories.UntrustedSource,
        [EventKind.Telemetry],
        "A build artifact or downloaded tool with a version in its name whose bytes (SHA-256) changed since the pipeline last saw that name: same tool, new bytes.");

    public void Inspect(Event e, DetectionContext context)
    {
        var fields = e.Fields;
        if (!fields.TryGetValue("file.hash.sha256", out var sha256) || sha256.Length != 64) return;
        var member = fields.GetValueOrDefault(ArtifactFields.Member);
        var path = fields.GetValueOrDefault(ArtifactFields.RelativePath) ?? fields.GetValueOrDefault("file.name");
        if (path is null) return;
        var name = member is null ? path : $"{path}!/{member}";
        var own = member ?? path;
        if (!Versioned().IsMatch(own[(own.LastIndexOf('/') + 1)..])) return;

        var hash = sha256.ToLowerInvariant();
        var run = e.Ci.RunId is { Length: > 0 } id ? id : e.Timestamp.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var known = context.Baselines.Get<KnownArtifactBytes>(string.Join(Separator, "artifact-bytes", e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job ?? "", name));
        if (known.Seen.Count > 0 && known.RunOf(hash) is null)
        {
            var (before, beforeRun) = known.Seen[^1];
            Report(e, name, hash, before, beforeRun, context);
        }

        known.Learn(hash, run);
    }

    private void Report(Event e, string name, string hash, string before, string beforeRun, DetectionContext context)
    {
        var where = string.IsNullOrEmpty(e.Ci.Pipeline) ? "this pipeline" : $"pipeline '{e.Ci.Pipeline}'{(e.Ci.Job is { Length: > 0 } job ? $", job '{job}'" : "")}";
        var run = string.IsNullOrEmpty(e.Ci.RunId) ? null : e.Ci.RunId;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.High,
            Title = $"Same tool, new bytes: '{name}' has a different SHA-256 than before",
            Explanation = $"In {where}, '{name}' had SHA-256 {before} (first in run {beforeRun}); now ({e.Origin}{(run is null ? "" : $", run {run}")}) it has {hash}. " +
                "A file of the same name and version should have the same bytes: a changed one was rebuilt without reproducibility, or replaced " +
                "(a tampered release, a poisoned mirror or cache). Compare the two, and pin the download's checksum.",
            Entity = new Entity(NullIfEmpty(e.Ci.Repository), NullIfEmpty(e.Ci.Pipeline), e.Ci.Job),
            Location = new Location(run, e.Fields.GetValueOrDefault("file.path") ?? e.Origin.File, e.Origin.Line, e.Ci.Commit),
            Evidence = [Evidence.Of("artifact", name), Evidence.Of("sha256", hash), Evidence.Of("previous_sha256", before), Evidence.Of("previous_run", beforeRun)],
            Techniques = ["T1195.002"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, name, hash),
        });
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    // A version in a file name: digits, a dot, digits (1.4, 2.0.133, v22.11.0, 32.1.3-jre).
    [GeneratedRegex(@"(?<![0-9A-Za-z])v?\d+\.\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Versioned();
}
