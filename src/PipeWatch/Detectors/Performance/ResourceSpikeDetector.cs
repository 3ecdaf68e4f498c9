using System.Globalization;
using PipeWatch.Baselines;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Performance;

/// <summary>Finds CPU, memory, network or duration spikes of a pipeline step against its own history, and cryptocurrency miners outright.</summary>
/// <remarks>
/// Resource summaries (<c>event.action</c> resource-summary, as <c>pipewatch agent</c> writes one per traced step or job) are
/// scored per repository, pipeline, job and step against a rolling sample of each metric, with the robust score the duration
/// detector uses: the observation must clear the z threshold, the minimum ratio and the metric's minimum increase on a baseline
/// of at least the minimum samples; one finding per summary, the largest excess leading. Miners need no baseline: a known
/// miner program or a Stratum URL on a command line, in a process or connection record; or every core kept busy for the
/// sustained time by a run that also connected to a mining-pool port.
/// </remarks>
internal sealed class ResourceSpikeDetector : IDetector
{
    private const string Separator = "\u001f";

    // A queue or executor count this much above its median at least: a handful more is ordinary load.
    private const double MinimumQueueIncrease = 5;
    private const double MinimumExecutorsIncrease = 2;

    private readonly ResourceSpikeOptions _options;
    private readonly Metric[] _metrics;

    public ResourceSpikeDetector(ResourceSpikeOptions? options = null)
    {
        _options = options ?? new ResourceSpikeOptions();
        _metrics =
        [
            new("cpu", "CPU time", "runner.cpu.seconds", _options.MinimumCpuIncreaseSeconds, v => $"{v.ToString("0.#", CultureInfo.InvariantCulture)} CPU-seconds"),
            new("memory", "peak memory", "runner.memory.peak_bytes", _options.MinimumMemoryIncreaseBytes, Bytes),
            new("sent", "bytes sent", "runner.network.sent_bytes", _options.MinimumSentIncreaseBytes, Bytes),
            new("duration", "duration", "event.duration", _options.MinimumDurationIncrease.TotalSeconds, v => $"{v.ToString("0.#", CultureInfo.InvariantCulture)}s"),

            // A CI server's own metrics (Jenkins', GitLab Runner's Prometheus endpoint), one summary a scrape.
            new("queue", "queue length", Sources.Runner.Prometheus.ExpositionFileSource.QueueLength, MinimumQueueIncrease, v => $"{v.ToString("0.#", CultureInfo.InvariantCulture)} queued builds"),
            new("executors-busy", "busy executors", Sources.Runner.Prometheus.ExpositionFileSource.ExecutorsBusy, MinimumExecutorsIncrease, v => $"{v.ToString("0.#", CultureInfo.InvariantCulture)} busy executors"),
            new("job-duration", "mean job duration", Sources.Runner.Prometheus.ExpositionFileSource.JobDurationSeconds, _options.MinimumDurationIncrease.TotalSeconds, v => $"{v.ToString("0.#", CultureInfo.InvariantCulture)}s"),
        ];
    }

    public DetectorInfo Info { get; } = new(
        "performance.resource-spike",
        Categories.ResourceSpike,
        [EventKind.Telemetry],
        "A step's CPU, peak memory, bytes sent or duration far above its own median, or a cryptocurrency miner (program, Stratum URL, pool port with busy cores).");

    public void Inspect(Event e, DetectionContext context)
    {
        var fields = e.Fields;
        var category = fields.GetValueOrDefault("event.category");
        if (category is "process" or "network")
        {
            InspectActivity(e, context, category);
        }
        else if (fields.GetValueOrDefault("event.action") == "resource-summary" && e.Ci.Repository.Length + e.Ci.Pipeline.Length > 0)
        {
            InspectSummary(e, context);
        }
    }

    private void InspectActivity(Event e, DetectionContext context, string category)
    {
        var fields = e.Fields;
        var executable = fields.GetValueOrDefault("process.executable");
        var program = fields.GetValueOrDefault("process.name") ?? (executable is null ? null : Path.GetFileName(executable));
        var commandLine = fields.GetValueOrDefault("process.command_line");
        if (MinerSignatures.KnownProgram(program) is { } miner)
        {
            ReportMiner(e, context, $"a known miner program, '{miner}'", program!, commandLine);
        }
        else if (MinerSignatures.StratumScheme(commandLine) is { } scheme)
        {
            ReportMiner(e, context, $"a mining-pool URL ({scheme}) on its command line", program ?? "a process", commandLine);
        }
        else if (category == "network" && e.Ci.RunId.Length > 0
            && int.TryParse(fields.GetValueOrDefault("destination.port"), CultureInfo.InvariantCulture, out var port) && MinerSignatures.PoolPorts.Contains(port))
        {
            var host = fields.GetValueOrDefault("destination.domain") ?? fields.GetValueOrDefault("destination.ip") ?? "?";
            context.Baselines.Get<PoolContacts>(JobKey(e)).Add(e.Ci.RunId, $"{host}:{port} ({program ?? "?"})");
        }
    }

    private void InspectSummary(Event e, DetectionContext context)
    {
        var fields = e.Fields;
        var step = fields.GetValueOrDefault(EventFields.Step) ?? string.Empty;
        if (double.TryParse(fields.GetValueOrDefault("runner.cpu.busy_seconds"), CultureInfo.InvariantCulture, out var busy) && busy >= _options.SustainedBusySeconds
            && context.Baselines.Get<PoolContacts>(JobKey(e)) is { } pools && pools.RunId == e.Ci.RunId && pools.Endpoints.Count > 0)
        {
            ReportMiner(e, context, $"every core busy for {busy.ToString("0", CultureInfo.InvariantCulture)}s while connected to a mining-pool port ({string.Join(", ", pools.Endpoints)})", "the step", fields.GetValueOrDefault("process.command_line"));
        }

        // A summary from the runner's metrics exporter (the whole host) learns apart from the traced tree's.
        var source = fields.GetValueOrDefault("runner.metrics.source") is { Length: > 0 } named ? named + ":" : string.Empty;
        var spikes = new List<(Metric Metric, RobustScore Score)>();
        foreach (var metric in _metrics)
        {
            if (Value(fields, metric) is not { } observed) continue;
            var baseline = context.Baselines.Get<RollingSample>(string.Concat(JobKey(e), Separator, step, Separator, source, metric.Id));
            if (baseline.Count >= _options.MinimumSamples
                && observed >= baseline.Median * _options.MinimumRatio
                && observed - baseline.Median >= metric.MinimumIncrease)
            {
                var score = RobustScore.Of(observed, baseline, Math.Max(baseline.Median * 0.05, metric.MinimumIncrease / 10));
                if (score.Z >= _options.Threshold) spikes.Add((metric, score));
            }

            baseline.Add(observed);
        }

        // A CI server's scrapes have no run: a spike is one finding from the scrape that began it to the first back within the baseline.
        var episode = e.Dataset == "ci.server.metrics" ? context.Baselines.Get<SpikeEpisode>(string.Concat(JobKey(e), Separator, source, "episode")) : null;
        if (spikes.Count > 0) ReportSpikes(e, context, step, spikes, episode?.Continue(e.Id));
        else episode?.End();
    }

    private static double? Value(IReadOnlyDictionary<string, string> fields, Metric metric)
    {
        if (!double.TryParse(fields.GetValueOrDefault(metric.Field), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0) return null;
        return metric.Id == "duration" ? value / 1e9 : value;
    }

    private void ReportSpikes(Event e, DetectionContext context, string step, List<(Metric Metric, RobustScore Score)> spikes, string? episode)
    {
        var (lead, s) = spikes.MaxBy(x => x.Score.Ratio);
        var source = e.Fields.GetValueOrDefault("runner.metrics.source");
        var server = episode is not null;
        var where = server
            ? $"CI server '{e.Ci.Repository}' ({source} metrics)"
            : (step.Length > 0 ? $"Step '{step}' of job '{e.Ci.Job}'" : $"Job '{e.Ci.Job}'") + (source is { Length: > 0 } ? $" (the runner's {source} metrics)" : string.Empty);
        var ratio = s.Ratio.ToString("0.0", CultureInfo.InvariantCulture);
        var explanation =
            (server ? $"{where} reported {lead.Format(s.Observed)} ({lead.Label})" : $"{where} used {lead.Format(s.Observed)} of {lead.Label}") + $"; its baseline is a median of {lead.Format(s.Median)} with a spread (1.4826×MAD) " +
            $"of {lead.Format(s.Spread)} over {s.Samples} {(server ? "scrapes" : "runs")}: {ratio}× the median, {s.Z.ToString("0.0", CultureInfo.InvariantCulture)} spreads above it " +
            $"(threshold {_options.Threshold.ToString(CultureInfo.InvariantCulture)}, minimum {_options.MinimumRatio.ToString(CultureInfo.InvariantCulture)}× and +{lead.Format(lead.MinimumIncrease)}).";
        if (spikes.Any(x => x.Metric.Id == "sent") && e.Fields.GetValueOrDefault("runner.network.top_destination") is { } top
            && double.TryParse(e.Fields.GetValueOrDefault("runner.network.top_destination_bytes"), NumberStyles.Float, CultureInfo.InvariantCulture, out var topBytes))
        {
            explanation += $" The most bytes went to {top} ({Bytes(topBytes)}).";
        }

        var others = spikes.Where(x => x.Metric != lead).ToList();
        if (others.Count > 0)
        {
            explanation += " Also above baseline: " + string.Join("; ", others.Select(o => $"{o.Metric.Label} {o.Metric.Format(o.Score.Observed)} (median {o.Metric.Format(o.Score.Median)})")) + ".";
        }

        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = s.Ratio >= 10 ? Severity.High : Severity.Medium,
            Title = server ? $"{where}: {lead.Format(s.Observed)}, {ratio}× its usual {lead.Label}" : $"{where} used {ratio}× its usual {lead.Label}",
            Explanation = explanation,
            Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, step.Length > 0 ? step : null, e.UserName),
            Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence =
            [
                Evidence.Of("metric", lead.Id),
                Evidence.Of("observed", s.Observed.ToString("0.###", CultureInfo.InvariantCulture)),
                Evidence.Of("median", s.Median.ToString("0.###", CultureInfo.InvariantCulture)),
                Evidence.Of("spread", s.Spread.ToString("0.###", CultureInfo.InvariantCulture)),
                Evidence.Of("samples", s.Samples.ToString(CultureInfo.InvariantCulture)),
                Evidence.Of("robust_z", s.Z.ToString("0.##", CultureInfo.InvariantCulture)),
                .. e.Fields.GetValueOrDefault("runner.network.top_destination") is { } destination && spikes.Any(x => x.Metric.Id == "sent")
                    ? [Evidence.Of("top_destination", destination)]
                    : Array.Empty<Evidence>(),
                .. source is { Length: > 0 } ? [Evidence.Of("metrics_source", source)] : Array.Empty<Evidence>(),
            ],
            Techniques = ["T1496"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = episode is not null ? Fingerprint.Of(Info.Id, e.Ci.Repository, source ?? string.Empty, episode)
                : source is { Length: > 0 }
                ? Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job ?? string.Empty, step, source)
                : Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job ?? string.Empty, step),
        });
    }

    private void ReportMiner(Event e, DetectionContext context, string why, string program, string? commandLine)
    {
        var step = e.Fields.GetValueOrDefault(EventFields.Step);
        var host = e.Fields.GetValueOrDefault("destination.domain") ?? e.Fields.GetValueOrDefault("destination.ip");
        var port = e.Fields.GetValueOrDefault("destination.port");
        var hostName = e.Fields.GetValueOrDefault("host.name") is { } h ? $"host '{h}'" : "a host";
        var evidence = new List<Evidence> { Evidence.Of("program", program) };
        if (commandLine is not null) evidence.Add(Evidence.Of("command_line", commandLine));
        if (host is not null && port is not null) evidence.Add(Evidence.Of("endpoint", $"{host}:{port}"));
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.High,
            Title = $"Cryptocurrency miner {(e.Ci.RunId.Length > 0 || e.Ci.Job is { Length: > 0 } ? $"in job '{e.Ci.Job}'" : $"on {hostName}")}: {program}",
            Explanation =
                // A collector's record (Falco, Tetragon, auditd) names the host, not a run.
                (e.Ci.RunId.Length > 0 || e.Ci.Job is { Length: > 0 }
                    ? $"In run {e.Ci.RunId} of '{e.Ci.Pipeline}', job '{e.Ci.Job}'{(step is null ? string.Empty : $", step '{step}'")}, "
                    : $"On {hostName} ({e.Fields.GetValueOrDefault("event.module") ?? "telemetry"}{(e.Fields.GetValueOrDefault("process.pid") is { } pid ? $", pid {pid}" : string.Empty)}), ") +
                $"{program} looks like a miner: {why}." +
                (host is not null && port is not null ? $" It connected to {host}:{port}." : string.Empty) +
                (commandLine is null ? string.Empty : $" Command line: {commandLine}"),
            Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, step, e.UserName),
            Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence = evidence,
            Techniques = ["T1496"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job ?? string.Empty, "miner", program),
        });
    }

    private static string JobKey(Event e) => string.Concat(e.Ci.Repository, Separator, e.Ci.Pipeline, Separator, e.Ci.Job);

    private static string Bytes(double value) => value switch
    {
        >= 1 << 30 => $"{(value / (1 << 30)).ToString("0.#", CultureInfo.InvariantCulture)} GiB",
        >= 1 << 20 => $"{(value / (1 << 20)).ToString("0.#", CultureInfo.InvariantCulture)} MiB",
        >= 1 << 10 => $"{(value / (1 << 10)).ToString("0.#", CultureInfo.InvariantCulture)} KiB",
        _ => $"{value.ToString("0", CultureInfo.InvariantCulture)} B",
    };

    private sealed record Metric(string Id, string Label, string Field, double MinimumIncrease, Func<double, string> Format);
}
