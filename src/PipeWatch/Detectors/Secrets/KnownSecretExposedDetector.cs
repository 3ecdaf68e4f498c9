using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Finds the store's known secrets (<c>pipewatch secrets learn</c>) printed in job logs or telemetry, plain or encoded, naming the variable.</summary>
/// <remarks>
/// The rule-based <see cref="SecretExposedInLogDetector"/> finds what looks like a secret; this one finds the team's own secrets, whatever
/// they look like, by fingerprint (<see cref="KnownSecretIndex"/>): a password with no format, a value printed double-base64 or reversed.
/// One finding per occurrence; the value is never in it. Does nothing when the store holds no known secrets.
/// </remarks>
internal sealed class KnownSecretExposedDetector(KnownSecretIndex known) : IDetector
{
    public const string Id = "secrets.known-secret-exposed";

    private readonly KnownSecretIndex _known = known ?? throw new ArgumentNullException(nameof(known));

    public DetectorInfo Info { get; } = new(
        Id,
        Categories.SecretInLog,
        [EventKind.JobLog, EventKind.Telemetry],
        "A secret learned with 'pipewatch secrets learn' printed in a job log or telemetry, plain or encoded (base64 at any alignment, double base64, hex, URL, reversed, JSON, split over lines, partly masked).");

    public void Inspect(Event e, DetectionContext context)
    {
        if (_known.IsEmpty) return;
        if (e.Log is { } log)
        {
            foreach (var hit in _known.Find(log.Text)) context.Report(ToFinding(e, context, hit, log.LineOf(hit.Start), log.Step, field: null));
            return;
        }

        foreach (var (field, value) in e.Fields)
        {
            if (value.Length < KnownSecretForms.MinimumLength) continue;
            foreach (var hit in _known.Find(value)) context.Report(ToFinding(e, context, hit, line: null, step: null, field));
        }
    }

    private Finding ToFinding(Event e, DetectionContext context, KnownSecretHit hit, int? line, string? step, string? field)
    {
        var job = e.Ci.Job is { Length: > 0 } j ? $"job '{j}'" : "the log";
        var where = step is { Length: > 0 } ? $"{job}, step '{step}'" : job;
        var place = line is { } l ? $"line {l.ToString(CultureInfo.InvariantCulture)} of {e.Origin.File}" : $"field '{field}' of a {e.Dataset} event from {e.Origin.File}";
        var plain = hit.Chain is ["plain"];
        var run = string.IsNullOrEmpty(e.Ci.RunId) ? null : e.Ci.RunId;
        var evidence = new List<Evidence>
        {
            Evidence.Of("secret_variable", hit.Name),
            Evidence.Of("encoding", hit.ChainText),
        };
        if (line is { } n) evidence.Add(Evidence.Of("log_line", n.ToString(CultureInfo.InvariantCulture)));
        if (field is not null) evidence.Add(Evidence.Of("field", field));
        return new Finding
        {
            Rule = Id,
            Category = Info.Category,
            Severity = Severity.Critical,
            Title = $"Known secret {hit.Name} printed {(plain ? "in plain text" : $"as {hit.ChainText}")} in {(line is null ? "telemetry" : where)}",
            Explanation = $"The value of {hit.Name}, learned with 'pipewatch secrets learn', is in {place} ({where}{(run is null ? "" : $", run {run}")}), " +
                $"{(plain ? "printed as it is" : $"encoded: {hit.ChainText}")}. " +
                "Anyone who can read the log or its copies can use it; a runner masks only the forms of a secret it knows. " +
                $"Rotate {hit.Name} (then run 'pipewatch secrets learn' again), and find out what printed it.",
            Entity = new Entity(NullIfEmpty(e.Ci.Repository), NullIfEmpty(e.Ci.Pipeline), e.Ci.Job, step, e.UserName),
            Location = new Location(run, e.Origin.File, line, e.Ci.Commit, e.Url),
            Evidence = evidence,
            Techniques = ["T1552"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            // Each occurrence is one finding: the same log read again adds none.
            Fingerprint = Fingerprint.Of(Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job, e.Origin.File, hit.Name, hit.ChainText,
                line?.ToString(CultureInfo.InvariantCulture) ?? field, hit.Start.ToString(CultureInfo.InvariantCulture)),
        };
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
