using PipeWatch.Findings;

namespace PipeWatch.Alerting.Incidents;

/// <summary>What <see cref="IncidentCorrelator"/> needs from the current store transaction.</summary>
/// <remarks>Implemented by the store's batch; every call is part of that batch's transaction. Not thread-safe.</remarks>
public interface IIncidentStorage
{
    /// <summary>
    /// Ids of the incidents holding a finding with the same actor or run key as <paramref name="keys"/> (null keys match
    /// nothing) and a timestamp in [<paramref name="from"/>, <paramref name="to"/>]; oldest incident (first seen) first.
    /// </summary>
    IReadOnlyList<string> FindLinkedIncidents(CorrelationKeys keys, DateTimeOffset from, DateTimeOffset to);

    /// <summary>Puts a stored finding in an incident, opening the incident when it does not exist yet.</summary>
    void AddToIncident(string incidentId, Finding finding, CorrelationKeys keys);

    /// <summary>Moves every finding of incident <paramref name="from"/> into <paramref name="into"/> and deletes <paramref name="from"/>.</summary>
    void MergeIncidents(string from, string into);
}
