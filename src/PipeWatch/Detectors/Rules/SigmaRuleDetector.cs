using System.Globalization;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Rules.Sigma;

namespace PipeWatch.Detectors.Rules;

/// <summary>Runs Sigma rules and correlation rules over every event: one finding per rule and event, in the rule's own category.</summary>
/// <remarks>
/// Rules are compiled once when the <see cref="SigmaRuleSet"/> is loaded; per event, only rules whose logsource fits and
/// whose literals occur are evaluated. Correlation windows are short-lived state held in memory for the run (bounded, see
/// <see cref="SigmaCorrelator"/>), not baselines: a window open when a run ends is not carried into the next run.
/// </remarks>
public sealed class SigmaRuleDetector : IDetector
{
    public const string Id = "sigma";

    private readonly SigmaRuleSet _rules;
    private readonly SigmaCorrelator _correlator;
    private readonly HashSet<SigmaRule> _silent = [];
    private readonly List<SigmaRule> _matched = [];
    private readonly List<SigmaCorrelationHit> _hits = [];
    private readonly List<int> _candidates = [];
    private readonly List<SigmaRule> _timedOut = [];
    private readonly IProblemReporter? _problems;

    /// <param name="rules">The rules.</param>
    /// <param name="options">The correlation bounds.</param>
    /// <param name="problems">Where a rule whose regular expression timed out on an event is reported (a match there may be missed); null ignores it.</param>
    public SigmaRuleDetector(SigmaRuleSet rules, SigmaCorrelatorOptions? options = null, IProblemReporter? problems = null)
    {
        _rules = rules;
        _problems = problems;
        _correlator = new SigmaCorrelator(rules.Correlations, options);

        // A rule referred to by correlations only raises findings of its own when one of them says 'generate: true'.
        foreach (var rule in rules.Rules)
        {
            var referencing = rules.Correlations.Where(c => c.Rules.Contains(rule.Id ?? "\0") || c.Rules.Contains(rule.Name ?? "\0")).ToList();
            if (referencing.Count > 0 && !referencing.Any(c => c.Generate)) _silent.Add(rule);
        }
    }

    public DetectorInfo Info { get; } = new(
        Id,
        Categories.RuleMatch,
        Enum.GetValues<EventKind>(),
        "Sigma detection and correlation rules: the built-in CI/CD pack, and the folders given with --rules or sigma.rules.");

    /// <summary>The correlation state, for tests and diagnostics.</summary>
    public SigmaCorrelator Correlator => _correlator;

    public void Inspect(Event e, DetectionContext context)
    {
        var fields = new SigmaEventFields(e, _rules.Mapping);
        _timedOut.Clear();
        _rules.Match(e, fields, _matched, _candidates, _timedOut);

        // A timed-out |re is a problem, never a silent "no match": a padded value must not hide an event unseen.
        foreach (var rule in _timedOut)
        {
            _problems?.Report(new Problem(
                e.Origin.File,
                $"Sigma rule '{RuleKey(rule.Id, rule.Name, rule.File, rule.Line)}' timed out matching a regular expression on event {e.Id}; a match there may be missed (the other rules still ran)",
                e.Origin.Line));
        }

        foreach (var rule in _matched)
        {
            if (!_silent.Contains(rule)) context.Report(RuleFinding(rule, e, fields, context.Now));
            if (!_correlator.IsReferenced(rule.Id, rule.Name)) continue;
            _hits.Clear();
            _correlator.Observe(rule.Id, rule.Name, e, fields, _hits);
            foreach (var hit in _hits) context.Report(CorrelationFinding(hit, context.Now));
        }
    }

    /// <summary>The rule's key on findings: its id, else its name, else its file name (with the document's line when it is not the first).</summary>
    public static string RuleKey(string? id, string? name, string file, int line = 1) =>
        id ?? name ?? (line > 1 ? $"{Path.GetFileNameWithoutExtension(file)}:{line}" : Path.GetFileNameWithoutExtension(file));

    private Finding RuleFinding(SigmaRule rule, Event e, SigmaEventFields fields, DateTimeOffset now)
    {
        var category = Category(rule.CustomAttributes, rule.Tags);
        var secret = RevealsSecret(category);
        var held = rule.Explain(fields).Where(s => s.Matched).ToList();
        var evidence = new List<Evidence> { Evidence.Of("sigma_rule", $"{rule.File}:{rule.Line}"), Evidence.Of("matched", string.Join(", ", held.Select(s => s.Name))) };
        foreach (var item in held.SelectMany(s => s.Items).Where(i => i.Matched && i.Value is not null).DistinctBy(i => i.Test).Take(4))
        {
            var name = item.Test.Split(':', 2)[0];
            evidence.Add(secret ? Evidence.Secret(name, item.Value!) : Evidence.Of(name, Clip(item.Value!)));
        }

        var key = RuleKey(rule.Id, rule.Name, rule.File, rule.Line);
        return new Finding
        {
            Rule = key,
            Category = category,
            Severity = Severity(rule.Level),
            Title = rule.Title,
            Explanation = $"Sigma rule '{rule.Title}' ({key}) matched this {e.Dataset} event: {string.Join("; ", held.Select(s => $"{s.Name} ({string.Join(", ", s.Items.Where(i => i.Matched).Select(i => i.Test.Split(':', 2)[0]))})"))}."
                + (rule.Description is { } d ? $" {d.Trim()}" : string.Empty),
            Entity = EntityOf(e),
            Location = LocationOf(e),
            Evidence = evidence,
            Techniques = Techniques(rule.Tags),
            Timestamp = e.Timestamp,
            DetectedAt = now,
            Fingerprint = Fingerprint.Of(key, e.Id),
        };
    }

    private Finding CorrelationFinding(SigmaCorrelationHit hit, DateTimeOffset now)
    {
        var rule = hit.Rule;
        var key = RuleKey(rule.Id, rule.Name, rule.File, rule.Line);
        var referenced = _rules.Rules.Where(r => rule.Rules.Contains(r.Id ?? "\0") || rule.Rules.Contains(r.Name ?? "\0")).ToList();
        var category = rule.CustomAttributes.TryGetValue(SigmaRuleSet.CategoryAttribute, out var named) ? named
            : _rules.Mapping.CategoryForTags(rule.Tags) ?? referenced.Select(r => Category(r.CustomAttributes, r.Tags)).FirstOrDefault(c => c != Categories.RuleMatch) ?? Categories.RuleMatch;
        var group = hit.Group.Count == 0 ? "all events" : string.Join(", ", hit.Group.Select(g => $"{g.Field}={g.Value}"));
        var measured = hit.Value.ToString("0.##", CultureInfo.InvariantCulture);
        var what = rule.Type switch
        {
            SigmaCorrelationType.EventCount => $"{measured} matching events",
            SigmaCorrelationType.ValueCount => $"{measured} distinct values of {rule.Field}",
            SigmaCorrelationType.ValueSum => $"a sum of {measured} over {rule.Field}",
            SigmaCorrelationType.ValueAvg => $"an average {rule.Field} of {measured}",
            SigmaCorrelationType.ValuePercentile => $"a {rule.Percentile}th percentile {rule.Field} of {measured}",
            _ => $"{measured} of {rule.Rules.Count} rules matched{(rule.Type == SigmaCorrelationType.TemporalOrdered ? " in order" : string.Empty)}",
        };
        return new Finding
        {
            Rule = key,
            Category = category,
            Severity = Severity(rule.Level),
            Title = rule.Title,
            Explanation = $"Sigma correlation '{rule.Title}' ({key}): {what} for {group} from {hit.First:u} to {hit.Last:u}, within {Span(rule.Timespan)} (condition: {rule.ConditionText}; rules: {string.Join(", ", rule.Rules)}).",
            Entity = EntityOf(hit.Event),
            Location = LocationOf(hit.Event),
            Evidence = [Evidence.Of("sigma_rule", $"{rule.File}:{rule.Line}"), Evidence.Of("group", group), Evidence.Of("value", measured)],
            Techniques = Techniques(rule.Tags.Concat(referenced.SelectMany(r => r.Tags)).ToList()),
            Timestamp = hit.Event.Timestamp,
            DetectedAt = now,
            Fingerprint = Fingerprint.Of(key, hit.GroupKey, hit.Event.Id),
        };
    }

    private string Category(IReadOnlyDictionary<string, string> attributes, IReadOnlyList<string> tags) =>
        attributes.TryGetValue(SigmaRuleSet.CategoryAttribute, out var named) ? named : _rules.Mapping.CategoryForTags(tags) ?? Categories.RuleMatch;

    /// <summary>True for the categories whose matched values are the secret itself, so evidence keeps them redacted.</summary>
    public static bool RevealsSecret(string category) => category is Categories.SecretInLog or Categories.HardcodedSecret;

    /// <summary>Sigma level → severity; a rule without a level is medium.</summary>
    public static Severity Severity(SigmaLevel? level) => level switch
    {
        SigmaLevel.Informational => Findings.Severity.Info,
        SigmaLevel.Low => Findings.Severity.Low,
        SigmaLevel.High => Findings.Severity.High,
        SigmaLevel.Critical => Findings.Severity.Critical,
        _ => Findings.Severity.Medium,
    };

    /// <summary>ATT&amp;CK technique ids from tags: <c>attack.t1552.001</c> → <c>T1552.001</c>.</summary>
    public static IReadOnlyList<string> Techniques(IReadOnlyList<string> tags) =>
        [.. tags.Where(t => t.Length > 8 && t.StartsWith("attack.t", StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(t[8]))
            .Select(t => t[7..].ToUpperInvariant()).Distinct(StringComparer.Ordinal)];

    private static Entity EntityOf(Event e) => new(
        NonEmpty(e.Ci.Repository), NonEmpty(e.Ci.Pipeline), e.Ci.Job, null, e.UserName, e.Deployment?.Environment, e.TargetUser);

    private static Location LocationOf(Event e) => new(NonEmpty(e.Ci.RunId), e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url);

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;

    private static string Clip(string value) => value.Length <= 200 ? value : value[..200] + "…";

    private static string Span(TimeSpan span) => span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays}d"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours}h"
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? $"{span.TotalMinutes}m" : $"{span.TotalSeconds}s";
}
