using PipeWatch.Alerting;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Alerting.Signals;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>
/// The back half every front of the engine shares: findings → filters → dedup → (at commit) store and incidents → alerts to
/// the sinks, only once the store has them.
/// </summary>
/// <remarks>
/// Used from the detection thread only. <see cref="Accept"/> takes each finding as detectors report it; <see cref="CommitAsync"/>
/// stores the accepted ones in the front's open batch, assigns incidents in time order, commits the batch, and only then hands
/// the alerts to the sinks. With a <see cref="RiskScorer"/>, the findings of one commit or event are taken together
/// (<see cref="Collect"/> each, then <see cref="EndUnit"/>): the filters drop what they drop, then the behavioural signals of
/// what is left are weighed.
/// </remarks>
internal sealed class FindingStage
{
    private readonly Func<Finding, Finding>? _redact;
    private readonly IReadOnlyList<IFindingFilter> _filters;
    private readonly IncidentCorrelator _incidents;
    private readonly SinkFanOut _sinks;
    private readonly IReadOnlyList<IDurableSink> _durable;
    private readonly bool _reportKnown;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<Finding> _accepted = [];
    private readonly RiskScorer? _risk;
    private readonly List<Finding> _unit = [];

    /// <param name="reportKnown">
    /// True for a gate (<c>scan</c>): every finding of the run reaches the sinks once, whether the store had it or not, so a gate
    /// fails again on a leak it saw before. False for <c>ingest</c> and <c>serve</c>: a finding reaches the sinks once per store.
    /// </param>
    /// <param name="risk">Weighs the behavioural signals of each commit or event (none: every finding goes through as reported).</param>
    /// <param name="durable">Sinks that stage their alerts in the store batch before it commits (alert routes' outboxes).</param>
    /// <param name="redact">Redaction beyond the built-in secret rules' (the user's own rules), applied to every finding first; null for none.</param>
    public FindingStage(
        IReadOnlyList<IFindingFilter> filters,
        IncidentCorrelator incidents,
        SinkFanOut sinks,
        bool reportKnown,
        RiskScorer? risk = null,
        IReadOnlyList<IDurableSink>? durable = null,
        Func<Finding, Finding>? redact = null)
    {
        _risk = risk;
        _durable = durable ?? [];
        _redact = redact;
        _filters = filters;
        _incidents = incidents;
        _sinks = sinks;
        _reportKnown = reportKnown;
    }

    /// <summary>Findings dropped by a filter, or (ingest) already in the store.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Findings handed to the sinks so far.</summary>
    public long Emitted { get; private set; }

    /// <summary>Accepted findings waiting for the next commit.</summary>
    public int Pending => _accepted.Count;

    /// <summary>Takes a finding a detector reported on the current commit or event; weighed with the others at <see cref="EndUnit"/>.</summary>
    public void Collect(Finding finding)
    {
        if (_risk is null) Accept(finding);
        else _unit.Add(_redact is null ? finding : _redact(finding));
    }

    /// <summary>The current commit or event is done: its findings are weighed together (signals) and accepted.</summary>
    public void EndUnit()
    {
        if (_unit.Count == 0) return;
        // Filtered first: an allowlisted or baselined finding neither alerts nor makes a signal beside it strong.
        var kept = _unit.Where(Passes).ToList();
        _unit.Clear();
        if (kept.Count == 0) return;
        foreach (var finding in _risk!.Score(kept)) Keep(finding);
    }

    /// <summary>Takes the findings of one commit or event at once (<see cref="Collect"/> each, then <see cref="EndUnit"/>).</summary>
    public void AcceptUnit(IReadOnlyList<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        foreach (var finding in findings) Collect(finding);
        EndUnit();
    }

    /// <summary>Takes a finding as it is: filtered, then kept once per fingerprint (per run for a gate, per batch otherwise).</summary>
    public void Accept(Finding finding)
    {
        if (_redact is not null) finding = _redact(finding);
        if (Passes(finding)) Keep(finding);
    }

    private bool Passes(Finding finding)
    {
        foreach (var filter in _filters)
        {
            if (!filter.ShouldEmit(finding))
            {
                Suppressed++;
                return false;
            }
        }

        return true;
    }

    private void Keep(Finding finding)
    {
        if (_seen.Add(finding.Fingerprint)) _accepted.Add(finding);
        else if (!_reportKnown) Suppressed++;
    }

    /// <summary>
    /// Stores the accepted findings in <paramref name="batch"/> (none for a gate without a store), assigns incidents, commits
    /// the batch, then hands the alerts to the sinks. The batch is committed even when nothing was accepted.
    /// </summary>
    /// <returns>The alerts handed to the sinks.</returns>
    public async ValueTask<int> CommitAsync(IStoreBatch? batch)
    {
        EndUnit();
        Alert[] alerts = [];
        if (batch is not null)
        {
            alerts = Store(batch);
            foreach (var sink in _durable) sink.Stage(alerts, batch);
            await batch.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else if (_reportKnown)
        {
            alerts = [.. _accepted.Select(f => new Alert(f))];
        }

        _accepted.Clear();
        if (!_reportKnown) _seen.Clear();
        if (alerts.Length == 0) return 0;
        Emitted += alerts.Length;
        // Committed findings are owed to the sinks: a Ctrl-C now must not lose them from the output (the queue's bound still holds).
        await _sinks.DeliverAsync(alerts, CancellationToken.None).ConfigureAwait(false);
        return alerts.Length;
    }

    private Alert[] Store(IStoreBatch batch)
    {
        var stored = new Dictionary<string, AlertIncident?>(StringComparer.Ordinal);
        var added = _accepted.Count <= 256 ? stackalloc bool[_accepted.Count] : new bool[_accepted.Count];
        batch.AddFindings(_accepted, added);
        for (var i = 0; i < _accepted.Count; i++)
        {
            if (added[i]) stored[_accepted[i].Fingerprint] = null;
            else if (!_reportKnown) Suppressed++;
        }

        // The one place findings join incidents: in time order, so that merges are deterministic.
        foreach (var finding in _accepted.Where(f => stored.ContainsKey(f.Fingerprint))
                     .OrderBy(f => f.Timestamp).ThenBy(f => f.Fingerprint, StringComparer.Ordinal))
        {
            var assigned = _incidents.Assign(finding, batch);
            stored[finding.Fingerprint] = new AlertIncident(assigned.Id, assigned.IsNew);
        }

        return _reportKnown
            ? [.. _accepted.Select(f => new Alert(f, stored.GetValueOrDefault(f.Fingerprint)))]
            : [.. _accepted.Where(f => stored.ContainsKey(f.Fingerprint)).Select(f => new Alert(f, stored[f.Fingerprint]))];
    }
}
