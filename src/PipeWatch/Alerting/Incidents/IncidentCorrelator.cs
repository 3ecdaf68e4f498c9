using PipeWatch.Findings;

namespace PipeWatch.Alerting.Incidents;

/// <summary>Groups each new finding into an incident: with every stored finding it shares an actor or a run with, within the window.</summary>
/// <remarks>
/// Two findings are linked when they share a key (<see cref="CorrelationKeys"/>) and their timestamps are at most
/// <see cref="IncidentOptions.Window"/> apart; an incident is everything linked, directly or through others. So a
/// finding that links two incidents merges them (the one first seen keeps its id), and a finding arriving in a later
/// run, or out of order, joins whichever incident it links to. Stateless: the incidents live in the store.
/// </remarks>
internal sealed class IncidentCorrelator
{
    private readonly TimeSpan _window;

    public IncidentCorrelator(IncidentOptions options) => _window = options.Window;

    /// <summary>Assigns a finding, already stored in <paramref name="storage"/>'s transaction, to its incident; returns the incident and whether the finding opened it.</summary>
    public IncidentAssignment Assign(Finding finding, IIncidentStorage storage)
    {
        var keys = CorrelationKeys.Of(finding);
        var linked = keys.IsEmpty ? [] : storage.FindLinkedIncidents(keys, finding.Timestamp - _window, finding.Timestamp + _window);
        var id = linked.Count == 0 ? NewId(finding) : linked[0];
        for (var i = 1; i < linked.Count; i++)
        {
            storage.MergeIncidents(linked[i], id);
        }

        storage.AddToIncident(id, finding, keys);
        return new IncidentAssignment(id, linked.Count == 0);
    }

    /// <summary>The id of an incident opened by a finding: 16 hex characters derived from the finding's fingerprint.</summary>
    public static string NewId(Finding finding) => Fingerprint.Of("incident", finding.Fingerprint)[..16];
}

/// <summary>The incident a finding was put in.</summary>
/// <param name="Id">The incident's id.</param>
/// <param name="IsNew">True when the finding opened it.</param>
internal readonly record struct IncidentAssignment(string Id, bool IsNew);
