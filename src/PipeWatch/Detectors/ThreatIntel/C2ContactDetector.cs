using System.Globalization;
using System.Net;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.ThreatIntel;

/// <summary>
/// Finds contact with a known C2 or exfiltration endpoint: a URL, host name or address of an imported feed (or of the built-in
/// exfiltration-service list) in a CI job log line, in runner telemetry (<c>destination.domain</c>, <c>destination.ip</c>,
/// <c>dns.question.name</c>, <c>url.full</c>, a command line), or as the <c>source.ip</c> of an audited login or API call.
/// </summary>
/// <remarks>
/// Stateless over an index built once per run. A domain indicator matches its subdomains, an address its CIDR blocks. One
/// finding per indicator per run and job (the same host called twice in a step is one contact).
/// </remarks>
internal sealed class C2ContactDetector : IDetector, ICommitDetector, ICommitPreparer
{
    /// <summary>The telemetry fields holding where a process connected or what it resolved.</summary>
    public static readonly IReadOnlyList<string> NetworkFields =
        ["destination.domain", "destination.ip", "destination.address", "dns.question.name", "url.full", "url.original", "url.domain", "server.domain", "server.ip"];

    /// <summary>Telemetry fields scanned as free text (a <c>curl https://…</c> command line).</summary>
    public static readonly IReadOnlyList<string> TextFields = ["process.command_line"];

    private readonly IndicatorIndex _index;

    /// <param name="index">The indicators in force; the built-in exfiltration-service list alone when null.</param>
    public C2ContactDetector(IndicatorIndex? index = null) => _index = index ?? ExfilServices.Index;

    public DetectorInfo Info { get; } = new(
        "threat-intel.c2-contact",
        Categories.C2Contact,
        [EventKind.JobLog, EventKind.Telemetry, EventKind.Audit],
        "Contact with a known C2 or exfiltration endpoint (imported STIX, MISP, abuse.ch feeds and lists, and a built-in list of exfiltration and tunnel services) in job logs, runner telemetry, audited logins and the lines commits add.");

    public void Inspect(Event e, DetectionContext context)
    {
        var index = _index.Current;
        if (index.Count == 0) return;
        switch (e.Kind)
        {
            case EventKind.JobLog when e.Log is { } log:
                var found = new List<IndicatorMatch>();
                IndicatorScanner.Scan(log.Text, index, found, IndicatorScope.Network);
                foreach (var match in found)
                {
                    var line = log.LineOf(match.Index);
                    Report(e, match, log.Step, $"line {line.ToString(CultureInfo.InvariantCulture)} of the log", line, context);
                }

                break;
            case EventKind.Telemetry:
                foreach (var field in NetworkFields)
                {
                    if (e.Fields.TryGetValue(field, out var value) && IndicatorScanner.Value(value, index) is { } match && !IndicatorKinds.IsHash(match.Indicator.Kind))
                    {
                        Report(e, match, null, $"runner telemetry field {field}", e.Origin.Line, context);
                    }
                }

                foreach (var field in TextFields)
                {
                    if (!e.Fields.TryGetValue(field, out var text)) continue;
                    var matches = new List<IndicatorMatch>();
                    IndicatorScanner.Scan(text, index, matches, IndicatorScope.Network);
                    foreach (var match in matches) Report(e, match, null, $"runner telemetry field {field}", e.Origin.Line, context);
                }

                break;
            case EventKind.Audit when e.Client?.Ip is { } ip && IPAddress.TryParse(ip, out var address) && index.Ip(address) is { } indicator:
                Report(e, new IndicatorMatch(indicator, ip, 0), null, $"the source address of '{e.Action ?? "an audited action"}'", e.Origin.Line, context);
                break;
        }
    }

    /// <summary>In <c>scan</c>: the indicators in the lines a commit adds (<see cref="CommitIndicators"/>); run on the scan's workers.</summary>
    public object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs) =>
        learnOnly ? null : CommitIndicators.Find(commit, firstSightings, _index.Current, IndicatorScope.Network);

    public void Inspect(GitCommit commit, CommitContext context)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(context);
        if (context.LearnOnly) return;
        var found = context.Prepared as List<CommitIndicator> ?? CommitIndicators.Find(commit, context.FirstSightings, _index.Current, IndicatorScope.Network);
        foreach (var each in found)
        {
            var title = $"Commit {Short(commit)} adds a known {(each.Match.Indicator.BuiltIn ? "exfiltration or tunnel service" : "C2/exfiltration endpoint")}";
            context.Report(CommitIndicators.ToFinding(Info, each, commit, context, Severity.High, title, "A step or script that calls it sends data to it when it runs: remove it before it runs, and find out who added it and why.", Intel.Techniques.C2));
        }
    }

    private static string Short(GitCommit commit) => commit.Sha[..Math.Min(12, commit.Sha.Length)];

    private void Report(Event e, IndicatorMatch match, string? step, string seenIn, int? line, DetectionContext context)
    {
        var indicator = match.Indicator;
        var audit = e.Kind == EventKind.Audit;
        var where = audit ? $"'{e.Action}' by {e.UserName ?? "an unknown actor"}" : IndicatorFindings.Where(e, step);
        var run = IndicatorFindings.NullIfEmpty(e.Ci.RunId);
        var fallback = indicator.BuiltIn && indicator.Labels.FirstOrDefault() != "tunnel" ? Intel.Techniques.Exfiltration : Intel.Techniques.C2;
        var subject = audit ? $"{where} came from a known-bad address" : $"{where} contacted a known {(indicator.BuiltIn ? "exfiltration or tunnel service" : "C2/exfiltration endpoint")}";
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = IndicatorFindings.Severity(indicator, Severity.High),
            Title = $"{char.ToUpperInvariant(subject[0])}{subject[1..]}: {match.Observed}",
            Explanation = $"{(audit ? "The source address" : "In " + seenIn)} of {e.Origin}{(run is null ? "" : $" (run {run})")}, '{match.Observed}' matches the " +
                $"{IndicatorFindings.Describe(indicator, context.Now)}. " +
                (indicator.BuiltIn
                    ? "CI jobs rarely need such a service; a secret or source posted there is public. Allowlist the pipeline if it does."
                    : audit ? "Find out whether the account is compromised: revoke its sessions and tokens." : "Stop the pipeline, find out what made the call, and rotate every secret the job could read."),
            Entity = IndicatorFindings.Entity(e, step),
            Location = new Location(run, e.Origin.File, line, e.Ci.Commit, e.Url),
            Evidence = IndicatorFindings.Evidence(indicator, match.Observed, seenIn),
            Techniques = IndicatorFindings.Techniques(indicator, fallback),
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job, audit ? e.Id : null, IndicatorKinds.Name(indicator.Kind), indicator.Value),
        });
    }
}
