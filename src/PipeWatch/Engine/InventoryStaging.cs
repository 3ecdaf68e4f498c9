using PipeWatch.Sinks;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>Writes the inventory the recorder collected into each batch before it commits (the back half's staging step), so it moves with the ledger and findings.</summary>
internal sealed class InventoryStaging(InventoryRecorder recorder) : IDurableSink
{
    public void Stage(IReadOnlyList<Alert> alerts, IStoreBatch batch) => recorder.Flush(batch);

    public void Dropped(IReadOnlyList<Alert> alerts, string reason)
    {
        // The inventory is no sink: nothing of it is queued, so nothing is dropped.
    }
}
