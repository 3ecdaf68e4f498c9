using System.Globalization;
using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Alerting.Signals;

/// <summary>
/// Weighs behavioural signals together: a signal alone is recorded (severity info, marked with its weight), never an alert; signals
/// that coincide on one commit or event, or on one actor within the window, raise an alert once their weights reach the threshold;
/// signals beside a strong finding (on the same commit or event, or by the same actor within the window before it) join that
/// finding's explanation, and a signal that follows an actor's strong finding within the window is raised to an alert naming it.
/// </summary>
/// <remarks>
/// Called by the shared back half with the findings of one commit (<c>scan</c>) or one event (<c>ingest</c>, <c>serve</c>) at a
/// time, in order (<see cref="Score"/>). Remembers each actor's recent signals (within <see cref="SignalOptions.Window"/> of the
/// newest) in memory, at most <see cref="MaxActors"/> actors; <see cref="Seed"/> reads them back from the findings a store kept
/// (the recorded signals, the strong findings and the alerts that spent them), so a restarted <c>serve</c> or a later <c>ingest</c>
/// still sees an actor's signals of the window.
/// An actor is its name, whatever the repository: one person's signals in two repositories coincide. Not thread-safe: one
/// scorer per run loop.
/// </remarks>
internal sealed class RiskScorer(SignalOptions options)
{
    /// <summary>Actors whose recent signals are remembered at most; past it, those whose newest signal is oldest are forgotten.</summary>
    public const int MaxActors = 50_000;

    /// <summary>Stored findings read back by <see cref="Seed"/> at most (the oldest of the window first).</summary>
    public const int MaxSeeded = 100_000;

    private readonly Dictionary<string, List<Scored>> _byActor = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Finding> _strongByActor = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The findings of one commit or event as they should be emitted: signals turned into info-level records, and at most one
    /// alert (a strong finding with the signals added to its explanation, or the heaviest signal raised to an alert).
    /// </summary>
    public IReadOnlyList<Finding> Score(IReadOnlyList<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (!options.Enabled || findings.Count == 0) return findings;
        var signals = new List<Scored>();
        var result = new List<Finding>(findings.Count);
        foreach (var finding in findings)
        {
            if (Weighed(finding) is { } scored) signals.Add(scored);
            else result.Add(finding);
        }

        var strong = result.Where(f => f.Severity >= Severity.Medium).MaxBy(f => f.Severity);
        var lead = signals.Count > 0 ? signals[0].Finding : strong;
        if (lead is null) return findings;

        // An actor's earlier signals within the window coincide with these; the same kind counts once, at its heaviest.
        var actor = ActorOf(lead);
        var newest = signals.Count > 0 ? signals.Max(s => s.Finding.Timestamp) : lead.Timestamp;
        var earlier = actor is not null && _byActor.TryGetValue(actor, out var known)
            ? known.Where(s => newest - s.Finding.Timestamp <= options.Window && s.Finding.Timestamp <= newest).ToList()
            : [];
        if (strong is not null)
        {
            // A strong finding counts for its actor and for its target (the collaborator added, the user promoted), as risk-based
            // alerting scores both the user and the object of an action.
            if (ActorOf(strong) is { } strongActor) RememberStrong(strongActor, strong);
            if (strong.Entity.Target is { Length: > 0 } target) RememberStrong(target, strong);
        }

        if (signals.Count == 0 && earlier.Count == 0) return findings;
        var together = earlier.Concat(signals)
            .SelectMany(s => s.Kinds.Select(k => (Kind: k.Kind, k.Weight, s.Finding)))
            .GroupBy(s => s.Kind, StringComparer.Ordinal)
            .Select(g => g.MaxBy(s => s.Weight))
            .ToList();
        var score = together.Sum(s => s.Weight);

        Finding? alert = null;
        Finding? promoted = null;
        if (strong is not null)
        {
            alert = Explained(strong, together, score, signals.Count > 0 && earlier.Count == 0 ? "on the same commit or event" : $"by this actor within {Window()}");
        }
        else if (signals.Count > 0 && score >= options.Threshold)
        {
            var heaviest = signals.MaxBy(s => s.Weight)!;
            promoted = heaviest.Finding;
            alert = Explained(heaviest.Finding, together, score, earlier.Count > 0 ? $"by this actor within {Window()}" : "on the same commit or event") with
            {
                Severity = score >= 2 * options.Threshold ? Severity.High : Severity.Medium,
                Title = $"Risk {score}: {string.Join(", ", together.Select(s => SignalKinds.Describe(s.Kind)))} — {heaviest.Finding.Title}",
            };
        }
        else if (signals.Count > 0 && actor is not null && _strongByActor.TryGetValue(actor, out var before) && newest - before.Timestamp <= options.Window && newest >= before.Timestamp)
        {
            // The actor's strong finding came first (already alerted): a signal after it within the window joins the story as an alert.
            var heaviest = signals.MaxBy(s => s.Weight)!;
            promoted = heaviest.Finding;
            alert = Explained(heaviest.Finding, together, score, $"after '{before.Title}' ({before.Rule}) by this actor within {Window()}") with
            {
                Severity = Severity.Medium,
            };
        }

        if (alert is not null)
        {
            result = [.. result.Select(f => ReferenceEquals(f, strong) ? alert : f)];
            if (strong is null) result.Add(alert);
            if (actor is not null) _byActor.Remove(actor);
        }
        else if (actor is not null)
        {
            Remember(actor, [.. earlier, .. signals]);
        }

        foreach (var signal in signals.Where(s => !ReferenceEquals(s.Finding, promoted))) result.Add(Recorded(signal));

        return result;
    }

    /// <summary>
    /// Restores what <see cref="Score"/> remembered from <paramref name="stored"/>, the findings a store kept within the window
    /// (oldest first, at most <see cref="MaxSeeded"/>): each actor's recorded signals since the last alert that spent them, and each
    /// actor's (and target's) latest strong finding.
    /// </summary>
    public void Seed(IEnumerable<Finding> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!options.Enabled) return;
        foreach (var finding in stored.OrderBy(f => f.Timestamp))
        {
            var actor = ActorOf(finding);
            var risk = finding.Evidence.Any(e => e.Name == "risk_score");
            if (finding.Severity == Severity.Info && !risk)
            {
                // A recorded signal (Recorded marks it with its kinds and weight); weighed again with today's weights.
                if (actor is null || finding.Evidence.All(e => e.Name != "weight") || Weighed(finding) is not { } scored) continue;
                var list = _byActor.TryGetValue(actor, out var known) ? known : [];
                list.Add(scored);
                Remember(actor, list);
                continue;
            }

            // An alert that named signals spent the actor's signals before it (as Score forgets them when it raises one).
            if (risk && actor is not null) _byActor.Remove(actor);
            var promotedSignal = risk && SignalKinds.Of(finding) is not null;
            if (finding.Severity >= Severity.Medium && !promotedSignal)
            {
                if (actor is not null) RememberStrong(actor, finding);
                if (finding.Entity.Target is { Length: > 0 } target) RememberStrong(target, finding);
            }
        }
    }

    // A finding is a signal when every kind it is marked with (or its rule stands for) has a weight.
    private Scored? Weighed(Finding finding)
    {
        if (SignalKinds.Of(finding) is not { } marked) return null;
        var kinds = new List<(string Kind, int Weight)>();
        foreach (var kind in marked.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!options.Weights.TryGetValue(kind, out var weight)) return null;
            kinds.Add((kind, weight));
        }

        return kinds.Count == 0 ? null : new Scored(finding, kinds, kinds.Sum(k => k.Weight));
    }

    private static string? ActorOf(Finding finding) =>
        finding.Entity.Actor is { Length: > 0 } actor ? actor : finding.Entity.Repository is { Length: > 0 } repository ? "repository:" + repository : null;

    private void Remember(string actor, List<Scored> signals)
    {
        if (_byActor.Count >= MaxActors && !_byActor.ContainsKey(actor))
        {
            // Forget the quietest tenth: the actors whose newest signal is oldest.
            foreach (var stale in _byActor.OrderBy(p => p.Value.Max(s => s.Finding.Timestamp)).Take(MaxActors / 10).Select(p => p.Key).ToList())
            {
                _byActor.Remove(stale);
            }
        }

        _byActor[actor] = signals;
    }

    private void RememberStrong(string actor, Finding strong)
    {
        if (_strongByActor.Count >= MaxActors && !_strongByActor.ContainsKey(actor))
        {
            foreach (var stale in _strongByActor.OrderBy(p => p.Value.Timestamp).Take(MaxActors / 10).Select(p => p.Key).ToList()) _strongByActor.Remove(stale);
        }

        _strongByActor[actor] = strong;
    }

    private static Finding Recorded(Scored signal) => signal.Finding with
    {
        Severity = Severity.Info,
        Evidence =
        [
            .. signal.Finding.Evidence.Where(e => e.Name is not (SignalKinds.EvidenceName or "weight")),
            Evidence.Of(SignalKinds.EvidenceName, string.Join(",", signal.Kinds.Select(k => k.Kind))),
            Evidence.Of("weight", Number(signal.Weight)),
        ],
    };

    private Finding Explained(Finding finding, IReadOnlyList<(string Kind, int Weight, Finding Finding)> signals, int score, string where)
    {
        var text = new StringBuilder(finding.Explanation);
        text.Append(CultureInfo.InvariantCulture, $" Signals {where} (risk {score}, threshold {options.Threshold}):");
        foreach (var s in signals.OrderByDescending(s => s.Weight))
        {
            text.Append(CultureInfo.InvariantCulture, $" [{SignalKinds.Describe(s.Kind)}, weight {s.Weight}] {s.Finding.Explanation}");
        }

        return finding with
        {
            Explanation = text.ToString(),
            Evidence = [.. finding.Evidence, Evidence.Of("risk_score", Number(score)), Evidence.Of("signals", string.Join(",", signals.Select(s => s.Kind)))],
        };
    }

    private string Window() => options.Window.TotalHours >= 24 && options.Window.TotalHours % 24 == 0
        ? $"{options.Window.TotalDays:0} day(s)"
        : $"{options.Window.TotalHours:0.#} hour(s)";

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private sealed record Scored(Finding Finding, IReadOnlyList<(string Kind, int Weight)> Kinds, int Weight);
}
