using PipeWatch.Store;

namespace PipeWatch.Sinks;

/// <summary>A sink that keeps what it owes in the store (an alert route's outbox), so that a crash or a kill loses none of it.</summary>
/// <remarks>
/// <see cref="Stage"/> is called by the engine on the detection thread with each batch's alerts, before the store batch commits:
/// what it writes there is durable exactly when the findings are. <see cref="Dropped"/> is called by the sink's queue
/// (<see cref="IsolatedSink"/>) with alerts it dropped rather than slow detection, so the sink can keep them (a dead letter).
/// Exceptions from <see cref="Stage"/> fail the batch as any store error does.
/// </remarks>
internal interface IDurableSink
{
    void Stage(IReadOnlyList<Alert> alerts, IStoreBatch batch);

    void Dropped(IReadOnlyList<Alert> alerts, string reason);
}
