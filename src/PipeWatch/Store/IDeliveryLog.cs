using PipeWatch.Findings;

namespace PipeWatch.Store;

/// <summary>Where each alert route records what became of its alerts: delivered, or dead-lettered with the error, for <c>pipewatch alerts retry</c>.</summary>
/// <remarks>
/// Called from each route's own delivery task (calls from different routes may overlap; an implementation serializes them).
/// An alert is keyed by its route and its finding's fingerprint: a later outcome replaces an earlier one, so a dead letter that a
/// retry delivers becomes delivered. Error texts are the sinks' own, which never hold a secret.
/// </remarks>
public interface IDeliveryLog
{
    /// <summary>Records alerts the route's service accepted.</summary>
    void Delivered(string route, IReadOnlyList<DeliveredAlert> alerts, int attempts);

    /// <summary>Records alerts that failed for good, with the last error; they stay until a retry delivers them.</summary>
    void DeadLettered(string route, IReadOnlyList<DeliveredAlert> alerts, int attempts, string error);

    /// <summary>Dead letters, oldest first, of one route or (null) of every route.</summary>
    IReadOnlyList<DeadLetter> DeadLetters(string? route = null, int limit = 10_000);
}

/// <summary>An alert as the delivery log keeps it: the finding and the incident it joined.</summary>
public sealed record DeliveredAlert(Finding Finding, string? IncidentId, bool IncidentIsNew);

/// <summary>An alert that failed for good on a route.</summary>
public sealed record DeadLetter(string Route, DeliveredAlert Alert, int Attempts, string Error, DateTimeOffset FailedAt);
