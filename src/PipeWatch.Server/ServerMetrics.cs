using Prometheus;

namespace PipeWatch.Server;

/// <summary>What <c>/metrics</c> shows, in Prometheus text format: a registry of this server's own (no process-wide state).</summary>
internal sealed class ServerMetrics
{
    public ServerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        Requests = factory.CreateCounter("pipewatch_intake_requests_total", "Payloads posted to a hook or /ingest, by endpoint and answer.", "endpoint", "status");
        PayloadsProcessed = factory.CreateCounter("pipewatch_intake_processed_total", "Acknowledged payloads whose events the engine has committed.");
        PayloadProblems = factory.CreateCounter("pipewatch_intake_problems_total", "Problems in acknowledged payloads (bad JSON, an unknown format…).");
        EventsIn = factory.CreateCounter("pipewatch_events_total", "Events read from acknowledged payloads.");
        FindingsOut = factory.CreateCounter("pipewatch_findings_total", "New findings committed to the store.");
        Backlog = factory.CreateGauge("pipewatch_intake_backlog", "Payloads acknowledged and not yet committed.");
        SinkFailures = factory.CreateGauge("pipewatch_sink_failures", "Alert batches a sink failed to deliver, by sink.", "sink");
        SinkDrops = factory.CreateGauge("pipewatch_sink_dropped", "Alerts a sink's queue dropped, by sink.", "sink");
        FollowFailures = factory.CreateCounter("pipewatch_follow_failures_total", "Repository fetches and job-log downloads that failed after their retries.", "what");
        CiMetricsScrapes = factory.CreateCounter("pipewatch_ci_metrics_scrapes_total", "Scrapes of the CI servers' metrics endpoints (serve.ci-metrics), by server and result (ok, failed).", "server", "result");
        ProcessingSeconds = factory.CreateHistogram(
            "pipewatch_processing_seconds",
            "From a payload's acknowledgement to its events' commit.",
            new HistogramConfiguration { Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    public Counter PayloadsProcessed { get; }

    public Counter PayloadProblems { get; }

    public Counter EventsIn { get; }

    public Counter FindingsOut { get; }

    public Gauge Backlog { get; }

    public Gauge SinkFailures { get; }

    public Gauge SinkDrops { get; }

    public Counter FollowFailures { get; }

    public Counter CiMetricsScrapes { get; }

    public Histogram ProcessingSeconds { get; }
}
