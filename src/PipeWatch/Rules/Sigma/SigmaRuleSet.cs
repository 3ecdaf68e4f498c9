using System.Collections.Concurrent;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Rules.Sigma;

/// <summary>
/// Loaded rules ready to run: each event goes only to the rules whose <c>logsource</c> fits it, and among those only to
/// the rules whose literals occur in it (<see cref="SigmaPrefilter"/>). Immutable and thread-safe.
/// </summary>
/// <remarks>
/// A rule fits an event when every part of its logsource fits: <c>product</c> is the first segment of the event's
/// dataset (<c>github</c> for <c>github.audit</c>) or, on telemetry, the host's <c>host.os.type</c> (default
/// <c>linux</c>); <c>service</c> is a segment of the dataset (<c>audit</c>, <c>auditd</c>); <c>category</c> is, through
/// the mapping's <c>categories</c>, the telemetry event's <c>event.category</c>.
/// </remarks>
public sealed class SigmaRuleSet
{
    private readonly ConcurrentDictionary<RouteKey, Route> _routes = new();

    private SigmaRuleSet(IReadOnlyList<SigmaRule> rules, IReadOnlyList<SigmaCorrelationRule> correlations, SigmaFieldMapping mapping)
    {
        Rules = rules;
        Correlations = correlations;
        Mapping = mapping;
    }

    /// <summary>The custom attribute that names a rule's taxonomy category.</summary>
    public const string CategoryAttribute = "pipewatch.category";

    public IReadOnlyList<SigmaRule> Rules { get; }

    public IReadOnlyList<SigmaCorrelationRule> Correlations { get; }

    public SigmaFieldMapping Mapping { get; }

    /// <summary>The set of <paramref name="results"/>' rules; a rule whose id repeats one already taken, or a correlation that refers to a rule not in the set, is left out with a problem.</summary>
    public static SigmaRuleSet Create(IEnumerable<SigmaLoadResult> results, SigmaFieldMapping mapping, List<Problem> problems)
    {
        var rules = new List<SigmaRule>();
        var correlations = new List<SigmaCorrelationRule>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var result in results)
        {
            problems.AddRange(result.Problems);
            var (id, file, line) = result.Rule is { } r ? (r.Id, r.File, r.Line) : result.Correlation is { } c ? (c.Id, c.File, c.Line) : (null, string.Empty, 0);
            var attributes = result.Rule?.CustomAttributes ?? result.Correlation?.CustomAttributes;
            if (attributes is not null && attributes.TryGetValue(CategoryAttribute, out var category) && !Findings.Categories.IsKnown(category))
            {
                problems.Add(new Problem(file, $"{CategoryAttribute}: '{category}' is not a category of the taxonomy (docs/detectors.md lists them); the rule is left out", line));
                continue;
            }

            if (id is not null && !ids.Add(id))
            {
                problems.Add(new Problem(file, $"id {id} is already taken by another rule; this one is left out", line));
                continue;
            }

            if (result.Rule is not null) rules.Add(result.Rule);
            if (result.Correlation is not null) correlations.Add(result.Correlation);
        }

        // A correlation may refer to rules and to other correlations, by id or name.
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules) Add(known, rule.Id, rule.Name);
        foreach (var correlation in correlations) Add(known, correlation.Id, correlation.Name);
        var kept = new List<SigmaCorrelationRule>();
        foreach (var correlation in correlations)
        {
            var missing = correlation.Rules.Where(r => !known.Contains(r)).ToList();
            if (missing.Count == 0)
            {
                kept.Add(correlation);
                continue;
            }

            problems.Add(new Problem(correlation.File, $"correlation '{correlation.Title}': no loaded rule has the id or name {string.Join(", ", missing.Select(m => $"'{m}'"))}", correlation.Line));
        }

        return new SigmaRuleSet(rules, kept, mapping);
    }

    private static void Add(HashSet<string> known, string? id, string? name)
    {
        if (id is not null) known.Add(id);
        if (name is not null) known.Add(name);
    }

    /// <summary>The rules that match <paramref name="e"/>, read through <paramref name="source"/>, in rule order.</summary>
    public void Match(Event e, ISigmaFieldSource source, List<SigmaRule> matched) => Match(e, source, matched, []);

    /// <summary>As <see cref="Match(Event, ISigmaFieldSource, List{SigmaRule})"/>, with a caller-owned scratch list (one per thread) so a hot loop allocates nothing here.</summary>
    public void Match(Event e, ISigmaFieldSource source, List<SigmaRule> matched, List<int> candidates) => Match(e, source, matched, candidates, null);

    /// <summary>As <see cref="Match(Event, ISigmaFieldSource, List{SigmaRule}, List{int})"/>; the rules in which a regular expression timed out on <paramref name="source"/> (a <see cref="SigmaEventFields"/>) are added to <paramref name="timedOut"/>.</summary>
    internal void Match(Event e, ISigmaFieldSource source, List<SigmaRule> matched, List<int> candidates, List<SigmaRule>? timedOut)
    {
        matched.Clear();
        var route = RouteFor(e);
        if (route.Rules.Length == 0) return;
        route.Prefilter.Candidates(source, candidates);
        var counted = source as SigmaEventFields;
        foreach (var index in candidates)
        {
            var rule = route.Rules[index];
            var before = counted?.RegexTimeouts ?? 0;
            if (rule.Matches(source)) matched.Add(rule);
            if (counted is not null && counted.RegexTimeouts != before) timedOut?.Add(rule);
        }
    }

    /// <summary>How many rules <paramref name="e"/>'s kind, dataset and category are routed to (before the prefilter).</summary>
    public int RoutedCount(Event e) => RouteFor(e).Rules.Length;

    /// <summary>For diagnostics: the rules routed to <paramref name="e"/>'s shape, those of them that always run (no literal to prefilter on), and the literals searched.</summary>
    internal (IReadOnlyList<SigmaRule> Routed, int AlwaysRun, int Literals, string Fields) RouteInfo(Event e)
    {
        var route = RouteFor(e);
        return (route.Rules, route.Prefilter.AlwaysRun, route.Prefilter.LiteralCount, string.Join(" ", route.Prefilter.Describe()));
    }

    /// <summary>For diagnostics: the rules the prefilter lets through for <paramref name="e"/>.</summary>
    internal IEnumerable<SigmaRule> Candidates(Event e, ISigmaFieldSource source)
    {
        var route = RouteFor(e);
        var candidates = new List<int>();
        route.Prefilter.Candidates(source, candidates);
        return candidates.Select(i => route.Rules[i]);
    }

    /// <summary>True when <paramref name="rule"/>'s logsource fits <paramref name="e"/>.</summary>
    public bool Fits(SigmaRule rule, Event e) => Fits(rule.LogSource, Key(e));

    private Route RouteFor(Event e) => _routes.GetOrAdd(Key(e), key =>
    {
        var rules = Rules.Where(r => Fits(r.LogSource, key)).ToArray();
        return new Route(rules, new SigmaPrefilter(rules));
    });

    private static RouteKey Key(Event e) => e.Kind == EventKind.Telemetry
        ? new RouteKey(e.Kind, e.Dataset, e.Fields.GetValueOrDefault("event.category"), e.Fields.GetValueOrDefault("host.os.type") ?? "linux")
        : new RouteKey(e.Kind, e.Dataset, null, null);

    private bool Fits(SigmaLogSource source, RouteKey key)
    {
        var segments = key.Dataset.Split('.');
        if (source.Product is { } product && !(key.Kind == EventKind.Telemetry
            ? string.Equals(product, key.Os, StringComparison.OrdinalIgnoreCase)
            : string.Equals(product, segments[0], StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (source.Service is { } service && !segments.Contains(service, StringComparer.OrdinalIgnoreCase)) return false;
        if (source.Category is { } category)
        {
            return key.Category is not null && Mapping.Categories.TryGetValue(category, out var mapped) && string.Equals(mapped, key.Category, StringComparison.OrdinalIgnoreCase);
        }

        return true;
    }

    private readonly record struct RouteKey(EventKind Kind, string Dataset, string? Category, string? Os);

    private sealed record Route(SigmaRule[] Rules, SigmaPrefilter Prefilter);
}
