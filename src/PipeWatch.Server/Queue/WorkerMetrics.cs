using Prometheus;

namespace PipeWatch.Server.Queue;

/// <summary>What a worker's <c>/metrics</c> adds to the engine's counters: its partitions, their lag, redeliveries and acknowledgements.</summary>
internal sealed class WorkerMetrics
{
    public WorkerMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Pending = factory.CreateGauge("pipewatch_queue_pending", "Messages in a partition not yet delivered to a worker (the consumer's num_pending), by partition this worker holds.", "partition");
        Partitions = factory.CreateGauge("pipewatch_queue_partitions", "Partitions this worker holds a lease on.");
        InFlight = factory.CreateGauge("pipewatch_queue_in_flight", "Messages this worker has taken and not yet acknowledged (waiting for their events' commit).");
        Redeliveries = factory.CreateCounter("pipewatch_queue_redeliveries_total", "Messages this worker took that had been delivered before (another worker died, or an acknowledgement was lost).");
        Acknowledged = factory.CreateCounter("pipewatch_queue_processed_total", "Messages acknowledged after their events were committed to the store.");
        AckFailures = factory.CreateCounter("pipewatch_queue_ack_failures_total", "Acknowledgements that could not be sent (the message comes again and the ledger skips it).");
        FetchFailures = factory.CreateCounter("pipewatch_queue_fetch_failures_total", "Fetches from a partition that failed (JetStream unreachable or restarting).");
        StoreFailures = factory.CreateCounter("pipewatch_store_failures_total", "Times the engine stopped because the store failed (unreachable or restarting); its messages were given back and a new engine started once the store answered.");
    }

    public Gauge Pending { get; }

    public Gauge Partitions { get; }

    public Gauge InFlight { get; }

    public Counter Redeliveries { get; }

    public Counter Acknowledged { get; }

    public Counter AckFailures { get; }

    public Counter FetchFailures { get; }

    public Counter StoreFailures { get; }
}
