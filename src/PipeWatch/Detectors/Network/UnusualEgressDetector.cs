using System.Globalization;
using System.Net;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Network;

/// <summary>Finds a pipeline job reaching an endpoint it has never reached before, once its baseline holds enough runs (the tj-actions/changed-files signal).</summary>
/// <remarks>
/// Reads network connection telemetry (<c>event.category</c> network with <c>destination.ip</c> or <c>destination.domain</c> and
/// <c>destination.port</c>): the runner agent's and ECS exporters'. One baseline per repository, pipeline and job: the runs seen
/// and the endpoints reached, an endpoint being the domain when known, else the address, with the port. A new endpoint is
/// learned at once, so it is reported once. DNS questions are not connections and are skipped.
/// </remarks>
internal sealed class UnusualEgressDetector : IDetector
{
    private const string Separator = "\u001f";
    private const int EndpointsListed = 10;

    private readonly UnusualEgressOptions _options;
    private readonly IReadOnlyList<IPNetwork> _allowedNetworks;

    public UnusualEgressDetector(UnusualEgressOptions? options = null)
    {
        _options = options ?? new UnusualEgressOptions();
        _allowedNetworks = [.. _options.Allow.Select(a => IPNetwork.TryParse(a, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>()];
    }

    public DetectorInfo Info { get; } = new(
        "network.unusual-egress",
        Categories.UnusualEgress,
        [EventKind.Telemetry],
        "A pipeline job connected to an endpoint (domain or address, and port) none of its earlier runs reached.");

    public void Inspect(Event e, DetectionContext context)
    {
        var fields = e.Fields;
        if (fields.GetValueOrDefault("event.category") != "network" || fields.GetValueOrDefault("network.protocol") == "dns") return;
        if (e.Ci.Repository.Length == 0 && e.Ci.Pipeline.Length == 0) return;
        var ip = fields.GetValueOrDefault("destination.ip");
        var domain = fields.GetValueOrDefault("destination.domain")?.TrimEnd('.').ToLowerInvariant();
        if (!int.TryParse(fields.GetValueOrDefault("destination.port"), CultureInfo.InvariantCulture, out var port) || port <= 0) return;
        var host = string.IsNullOrEmpty(domain) ? ip : domain;
        if (string.IsNullOrEmpty(host)) return;
        var endpoint = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

        var baseline = context.Baselines.Get<EgressEndpoints>(string.Concat(e.Ci.Repository, Separator, e.Ci.Pipeline, Separator, e.Ci.Job));
        baseline.ObserveRun(e.Ci.RunId);
        if (baseline.Contains(endpoint) || IsAllowed(endpoint, domain, ip)) return;
        var runsBefore = baseline.Runs - 1;
        if (runsBefore >= _options.MinimumRuns) Report(e, context, endpoint, baseline, runsBefore);
        baseline.Learn(endpoint);
    }

    private bool IsAllowed(string endpoint, string? domain, string? ip)
    {
        if (domain is { Length: > 0 } && (_options.AllowWellKnown && WellKnownEndpoints.IsWellKnownDomain(domain)
            || _options.Allow.Any(a => a.StartsWith("*.", StringComparison.Ordinal) ? WellKnownEndpoints.Matches(domain, a[2..]) : a.Equals(domain, StringComparison.OrdinalIgnoreCase))))
        {
            return true;
        }

        if (_options.Allow.Contains(endpoint, StringComparer.OrdinalIgnoreCase)) return true;
        if (ip is null || !IPAddress.TryParse(ip, out var address)) return false;
        return (_options.AllowWellKnown && WellKnownEndpoints.IsWellKnownAddress(ip)) || _allowedNetworks.Any(n => n.Contains(address)) || _options.Allow.Contains(ip);
    }

    private void Report(Event e, DetectionContext context, string endpoint, EgressEndpoints baseline, long runsBefore)
    {
        var fields = e.Fields;
        var process = fields.GetValueOrDefault("process.name") ?? fields.GetValueOrDefault("process.executable") ?? "an unknown process";
        var commandLine = fields.GetValueOrDefault("process.command_line");
        var step = fields.GetValueOrDefault(EventFields.Step);
        var ip = fields.GetValueOrDefault("destination.ip");
        var known = baseline.Endpoints;
        var listed = string.Join(", ", known.Take(EndpointsListed)) + (known.Count > EndpointsListed ? $" and {known.Count - EndpointsListed} more" : string.Empty);
        var job = e.Ci.Job is { Length: > 0 } j ? $"Job '{j}' of '{e.Ci.Pipeline}'" : $"Pipeline '{e.Ci.Pipeline}'";
        var explanation =
            $"{job} reached {endpoint}{(ip is not null && !endpoint.StartsWith(ip, StringComparison.Ordinal) ? $" ({ip})" : string.Empty)}, which none of its {runsBefore} earlier runs reached " +
            $"(a baseline needs {_options.MinimumRuns}). The connection was made by {process}" +
            (fields.GetValueOrDefault("process.pid") is { } pid ? $" (pid {pid})" : string.Empty) +
            (commandLine is null ? string.Empty : $", command line: {commandLine}") +
            (step is null ? string.Empty : $", in step '{step}'") + ". " +
            (long.TryParse(fields.GetValueOrDefault("source.bytes"), CultureInfo.InvariantCulture, out var sent) ? $"It sent {sent} bytes on that connection. " : string.Empty) +
            (known.Count == 0 ? "The baseline holds no endpoint." : $"The baseline holds {known.Count} endpoint{(known.Count == 1 ? "" : "s")}: {listed}.");
        var evidence = new List<Evidence>
        {
            Evidence.Of("endpoint", endpoint),
            Evidence.Of("process", process),
            Evidence.Of("baseline_runs", runsBefore.ToString(CultureInfo.InvariantCulture)),
            Evidence.Of("baseline_endpoints", known.Count.ToString(CultureInfo.InvariantCulture)),
        };
        if (commandLine is not null) evidence.Add(Evidence.Of("command_line", commandLine));
        if (fields.GetValueOrDefault("source.bytes") is { } bytes) evidence.Add(Evidence.Of("sent_bytes", bytes));

        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = $"{job} reached a new endpoint: {endpoint} ({process})",
            Explanation = explanation,
            Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, step, e.UserName),
            Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence = evidence,
            Techniques = ["T1041"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job ?? string.Empty, endpoint),
        });
    }
}
