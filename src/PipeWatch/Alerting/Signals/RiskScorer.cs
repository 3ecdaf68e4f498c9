using System.Globalization;
using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Alerting.Signals;

/// <summary>
/// Weighs behavioural signals together: a signal alone is recorded (severity info, marked with its weight), never an alert; signals
/// that coincide on one commit or event, or on one actor within the window, raise an alert once their weights reach the threshold;
/// a signal beside a strong finding joins that finding's explanation.
/// </summary>
/// <remarks>
/// Called with the findings of one commit or one event at a time, in order (<see cref="Score"/>). Remembers each actor's recent signals
/// (within <see cref="SignalOptions.Window"/> of the newest) in memory only, so across runs an actor's signals coincide only within a
/// run. Not thread-safe: one scorer per run loop.
/// </remarks>
internal sealed class RiskScorer(SignalOptions options)
{
    private readonly Dictionary<string, List<Scored>> _byActor = new(StringComparer.OrdinalIgnoreCase);

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
            if (SignalKinds.Of(finding) is { } kind && options.Weights.TryGetValue(kind, out var weight)) signals.Add(new Scored(finding, kind, weight));
            else result.Add(finding);
        }

        if (signals.Count == 0) return findings;

        // An actor's earlier signals within the window coincide with these; the same kind counts once, at its heaviest.
        var actor = signals[0].Finding.Entity.Repository + "|" + (signals[0].Finding.Entity.Actor ?? string.Empty);
        var newest = signals.Max(s => s.Finding.Timestamp);
        var earlier = _byActor.TryGetValue(actor, out var known) ? known.Where(s => newest - s.Finding.Timestamp <= options.Window).ToList() : [];
        var together = earlier.Concat(signals).GroupBy(s => s.Kind, StringComparer.Ordinal).Select(g => g.MaxBy(s => s.Weight)!).ToList();
        var score = together.Sum(s => s.Weight);
        var strong = result.Where(f => f.Severity >= Severity.Medium).MaxBy(f => f.Severity);

        Finding? alert = null;
        Finding? promoted = null;
        if (strong is not null)
        {
            alert = Explained(strong, together, score, "on the same commit or event");
        }
        else if (score >= options.Threshold)
        {
            var heaviest = signals.MaxBy(s => s.Weight)!;
            promoted = heaviest.Finding;
            alert = Explained(heaviest.Finding, together, score, earlier.Count > 0 ? $"by this actor within {Window()}" : "on the same commit or event") with
            {
                Severity = score >= 2 * options.Threshold ? Severity.High : Severity.Medium,
                Title = $"Risk {score}: {string.Join(", ", together.Select(s => SignalKinds.Describe(s.Kind)))} — {heaviest.Finding.Title}",
            };
        }

        if (alert is not null)
        {
            result = [.. result.Select(f => ReferenceEquals(f, strong) ? alert : f)];
            if (strong is null) result.Add(alert);
            _byActor.Remove(actor);
        }
        else
        {
            _byActor[actor] = [.. earlier, .. signals];
        }

        foreach (var signal in signals.Where(s => !ReferenceEquals(s.Finding, promoted))) result.Add(Recorded(signal));

        return result;
    }

    private Finding Recorded(Scored signal) => signal.Finding with
    {
        Severity = Severity.Info,
        Evidence = [.. signal.Finding.Evidence.Where(e => e.Name is not (SignalKinds.EvidenceName or "weight")), Evidence.Of(SignalKinds.EvidenceName, signal.Kind), Evidence.Of("weight", Number(signal.Weight))],
    };

    private Finding Explained(Finding finding, IReadOnlyList<Scored> signals, int score, string where)
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

    private sealed record Scored(Finding Finding, string Kind, int Weight);
}
