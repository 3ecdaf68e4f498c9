using PipeWatch.Findings;

namespace PipeWatch.Sinks;

/// <summary>What a sink receives: a committed finding and the incident it joined.</summary>
/// <param name="Finding">The finding, as stored (evidence redacted).</param>
/// <param name="Incident">The incident it joined in this run's store, or null when it joined none (a scan without a store, or a finding the store already had).</param>
public sealed record Alert(Finding Finding, AlertIncident? Incident = null);

/// <summary>The incident a finding joined, as a sink sees it.</summary>
/// <param name="Id">The incident's stable id (<c>pipewatch findings --incidents</c> lists it).</param>
/// <param name="IsNew">True when this finding opened the incident; false when it joined (or merged) incidents that were open already.</param>
public sealed record AlertIncident(string Id, bool IsNew);
