using System.Globalization;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>The one event a scrape of a CI server's metrics becomes, whether read from a file (<c>ingest NAME.prom</c>) or scraped by <c>serve</c>.</summary>
/// <remarks>
/// A resource summary (<c>event.action</c> resource-summary) of the server: <c>ci.server.queue_length</c>, <c>ci.server.executors_busy</c>,
/// <c>ci.server.executors</c>, <c>ci.server.job_duration_seconds</c> (see <see cref="CiServerMetrics"/>) and <c>runner.metrics.source</c>
/// jenkins or gitlab-runner; the server is the event's repository, so each server learns its own baselines.
/// </remarks>
internal static class CiServerMetricsEvent
{
    public const string Dataset = "ci.server.metrics";

    /// <summary>The problem of a scrape without any of the metrics <see cref="CiServerMetrics"/> reads.</summary>
    public const string NoMetrics = "prometheus: no CI server metrics (Jenkins' jenkins_queue_size_value, jenkins_executor_in_use_value…, GitLab Runner's gitlab_runner_jobs…); nothing read";

    /// <summary>When the scrape was taken: its first sample timestamp, else <paramref name="otherwise"/>.</summary>
    public static DateTimeOffset Stamp(Exposition scrape, DateTimeOffset otherwise) =>
        scrape.Samples.Select(s => s.TimestampMilliseconds).FirstOrDefault(t => t is not null) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : otherwise;

    /// <param name="server">The server's name.</param>
    /// <param name="stamp">When it was taken.</param>
    /// <param name="origin">Where it came from (a file's path, <c>ci-metrics:NAME</c>).</param>
    /// <param name="idTail">Ends the event's id after server and time (a file's name), so two scrapes of one instant stay apart.</param>
    public static Event Create(CiServerMetrics metrics, string server, DateTimeOffset stamp, string origin, string idTail)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AgentFields.Category] = "host",
            [AgentFields.Type] = "info",
            [AgentFields.Action] = AgentFields.ResourceSummaryAction,
            [AgentFields.MetricsSource] = metrics.Kind,
            [AgentFields.MetricsTarget] = server,
            [AgentFields.MetricsScrapes] = "1",
        };
        Put(fields, ExpositionFileSource.QueueLength, metrics.QueueLength);
        Put(fields, ExpositionFileSource.ExecutorsBusy, metrics.ExecutorsBusy);
        Put(fields, ExpositionFileSource.Executors, metrics.Executors);
        Put(fields, ExpositionFileSource.JobDurationSeconds, metrics.JobDurationSeconds);
        return new Event
        {
            Kind = EventKind.Telemetry,
            Id = $"prometheus:{server}:{stamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}:{idTail}",
            Timestamp = stamp,
            Dataset = Dataset,
            Action = AgentFields.ResourceSummaryAction,
            Completed = true,
            Ci = new CiContext(server, string.Empty, string.Empty, Platform: metrics.Kind),
            Fields = fields,
            Origin = new Origin(origin),
        };
    }

    private static void Put(Dictionary<string, string> fields, string key, double? value)
    {
        if (CiServerMetrics.Field(value) is { } text) fields[key] = text;
    }
}
