using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>
/// Findings the inventory raises outside the engine (a re-match after <c>vulndb update|import</c>, a CI-server poll) sent through
/// the alert routes as the engine's are: staged in each route's outbox in the findings' own transaction, handed to the routes once it commits.
/// </summary>
/// <remarks>
/// The sinks are the host's routes (<c>AlertRouter.Routes</c>); in <c>serve</c> they are the engine's too, and a route takes calls
/// from several threads. Each route's filter and rate policy apply as for any finding; no incident is assigned (a re-match finding
/// is already one per advisory, naming every place).
/// </remarks>
public sealed class InventoryAlerts
{
    private readonly IReadOnlyList<IFindingSink> _sinks;

    /// <param name="sinks">The alert routes (none: the findings are only stored).</param>
    public InventoryAlerts(IEnumerable<IFindingSink> sinks)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _sinks = [.. sinks];
    }

    /// <summary>Re-matches the inventory (<see cref="InventoryRematch.Run"/>) and sends the findings it raised through the routes.</summary>
    public async Task<RematchResult> RematchAsync(IInventoryStore inventory, IAdvisoryIndex advisories, IReadOnlyList<AdvisoryChange> changes, DateTimeOffset now, CancellationToken ct = default)
    {
        var result = InventoryRematch.Run(inventory, advisories, changes, now, ct, Stage);
        await DeliverAsync(result.Raised).ConfigureAwait(false);
        return result;
    }

    /// <summary>Writes the routes' outbox rows for <paramref name="raised"/> into <paramref name="write"/>, before it commits: the alerts are durable exactly when their findings are.</summary>
    internal void Stage(IReadOnlyList<Finding> raised, IInventoryTransaction write)
    {
        if (raised.Count == 0 || write is not IStoreBatch batch) return;
        var alerts = Alerts(raised);
        foreach (var sink in _sinks.OfType<IDurableSink>()) sink.Stage(alerts, batch);
    }

    /// <summary>Hands the committed findings to every route (each queues them for its service, with its retries and dead letters).</summary>
    internal async Task DeliverAsync(IReadOnlyList<Finding> raised)
    {
        if (raised.Count == 0 || _sinks.Count == 0) return;
        var alerts = Alerts(raised);
        foreach (var sink in _sinks)
        {
            // Committed findings are owed to the routes: a stop now must not lose them (the outbox has them either way).
            await sink.EmitAsync(alerts, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static Alert[] Alerts(IReadOnlyList<Finding> raised) => [.. raised.Select(f => new Alert(f))];
}
