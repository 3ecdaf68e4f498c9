using System.Globalization;
using PipeWatch.Events;

namespace PipeWatch.Rules.Sigma;

/// <summary>
/// Evaluates correlation rules incrementally over the stream of rule matches, in event time, with bounded memory.
/// </summary>
/// <remarks>
/// Per correlation rule it keeps one window per group (the values of <c>group-by</c>, through <c>aliases</c>): the matches
/// of the last <c>timespan</c>, older ones dropped as time moves on. A group whose last match is older than the timespan is
/// forgotten; past <see cref="SigmaCorrelatorOptions.MaxGroups"/> groups the least recently matched one is evicted, and a
/// window holds at most <see cref="SigmaCorrelatorOptions.MaxEntriesPerGroup"/> matches (the oldest go first). When the
/// condition holds the correlation fires once and the group's window starts again empty, so a burst fires once, not on
/// every later match. A match lacking a group-by field is not counted. Not thread-safe: one instance per detection stage.
/// </remarks>
public sealed class SigmaCorrelator
{
    private const int MaxChainDepth = 8;
    private readonly Dictionary<string, List<(SigmaCorrelationRule Rule, int Index)>> _byReference = new(StringComparer.Ordinal);
    private readonly Dictionary<SigmaCorrelationRule, RuleState> _states = [];
    private readonly SigmaCorrelatorOptions _options;

    public SigmaCorrelator(IReadOnlyList<SigmaCorrelationRule> correlations, SigmaCorrelatorOptions? options = null)
    {
        _options = options ?? new SigmaCorrelatorOptions();
        foreach (var correlation in correlations)
        {
            _states[correlation] = new RuleState();
            for (var i = 0; i < correlation.Rules.Count; i++)
            {
                if (!_byReference.TryGetValue(correlation.Rules[i], out var list)) _byReference[correlation.Rules[i]] = list = [];
                list.Add((correlation, i));
            }
        }
    }

    /// <summary>Groups held now, over all correlation rules.</summary>
    public int GroupCount => _states.Values.Sum(s => s.Groups.Count);

    /// <summary>Matches held in windows now, over all groups.</summary>
    public int EntryCount => _states.Values.Sum(s => s.Groups.Values.Sum(g => g.Entries));

    /// <summary>Groups evicted because a rule reached <see cref="SigmaCorrelatorOptions.MaxGroups"/>.</summary>
    public long Evicted { get; private set; }

    /// <summary>True when some correlation rule refers to the rule with this id or name.</summary>
    public bool IsReferenced(string? id, string? name) => (id is not null && _byReference.ContainsKey(id)) || (name is not null && _byReference.ContainsKey(name));

    /// <summary>Counts a match of the rule with <paramref name="id"/>/<paramref name="name"/> on <paramref name="e"/>; adds the correlations that fire (and those chained to them) to <paramref name="hits"/>.</summary>
    public void Observe(string? id, string? name, Event e, ISigmaFieldSource source, List<SigmaCorrelationHit> hits) => Observe(id, name, e, source, hits, 0);

    private void Observe(string? id, string? name, Event e, ISigmaFieldSource source, List<SigmaCorrelationHit> hits, int depth)
    {
        if (depth >= MaxChainDepth) return;
        foreach (var reference in new[] { id, name })
        {
            if (reference is null || !_byReference.TryGetValue(reference, out var targets)) continue;
            foreach (var (correlation, index) in targets)
            {
                if (Update(correlation, index, reference, e, source) is { } hit)
                {
                    hits.Add(hit);
                    Observe(correlation.Id, correlation.Name, e, source, hits, depth + 1);
                }
            }
        }
    }

    private SigmaCorrelationHit? Update(SigmaCorrelationRule rule, int index, string reference, Event e, ISigmaFieldSource source)
    {
        var now = e.Timestamp;
        var state = _states[rule];
        Expire(state, now - rule.Timespan);

        var group = new List<(string Field, string Value)>(rule.GroupBy.Count);
        foreach (var by in rule.GroupBy)
        {
            var field = rule.Aliases.TryGetValue(by, out var perRule) && perRule.TryGetValue(reference, out var aliased) ? aliased : by;
            if (!source.TryGet(field, out var value) || Text(value) is not { } text) return null;
            group.Add((by, text));
        }

        var key = string.Join('\u001f', group.Select(g => g.Value));
        if (!state.Groups.TryGetValue(key, out var window))
        {
            if (state.Groups.Count >= _options.MaxGroups)
            {
                var oldest = state.Order.First!.Value;
                state.Order.RemoveFirst();
                state.Groups.Remove(oldest.Key);
                Evicted++;
            }

            window = new Window(key, rule.Rules.Count);
            window.Node = state.Order.AddLast(window);
            state.Groups[key] = window;
        }
        else
        {
            state.Order.Remove(window.Node!);
            state.Order.AddLast(window.Node!);
        }

        window.LastSeen = now;
        window.Drop(now - rule.Timespan);
        double measured;
        switch (rule.Type)
        {
            case SigmaCorrelationType.Temporal:
                window.Seen[index] = now;
                measured = window.Seen.Count(t => t is { } seen && seen >= now - rule.Timespan);
                break;
            case SigmaCorrelationType.TemporalOrdered:
                // Chain[i]: the start of the latest in-order run of rules 0..i; a later start is always at least as good.
                if (index == 0) window.Seen[0] = now;
                else if (window.Seen[index - 1] is { } start && start >= now - rule.Timespan) window.Seen[index] = start;
                measured = window.Seen[^1] is { } chainStart && chainStart >= now - rule.Timespan ? rule.Rules.Count : 0;
                break;
            default:
                string? value = null;
                if (rule.Field is { } counted && (!source.TryGet(counted, out var raw) || (value = Text(raw)) is null)) return null;
                if (rule.Type is SigmaCorrelationType.ValueSum or SigmaCorrelationType.ValueAvg or SigmaCorrelationType.ValuePercentile
                    && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    return null;
                }

                window.Add(now, value, _options.MaxEntriesPerGroup);
                measured = rule.Type switch
                {
                    SigmaCorrelationType.EventCount => window.Count,
                    SigmaCorrelationType.ValueCount => window.Distinct,
                    SigmaCorrelationType.ValueSum => window.Sum,
                    SigmaCorrelationType.ValueAvg => window.Sum / window.Count,
                    _ => window.Percentile(rule.Percentile ?? 50),
                };
                break;
        }

        var holds = rule.Type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered && rule.Conditions.Count == 0
            ? measured >= rule.Rules.Count
            : rule.Holds(measured);
        if (!holds) return null;

        var hit = new SigmaCorrelationHit(rule, key, group, measured, window.Count, window.First ?? now, now, e);
        window.Reset(rule.Rules.Count);
        return hit;
    }

    // Groups leave in least-recently-matched order, which is event-time order for a time-ordered stream.
    private static void Expire(RuleState state, DateTimeOffset before)
    {
        while (state.Order.First is { } first && first.Value.LastSeen < before)
        {
            state.Order.RemoveFirst();
            state.Groups.Remove(first.Value.Key);
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private sealed class RuleState
    {
        public Dictionary<string, Window> Groups { get; } = new(StringComparer.Ordinal);

        public LinkedList<Window> Order { get; } = new();
    }

    /// <summary>One group's matches within the timespan.</summary>
    private sealed class Window(string key, int rules)
    {
        private readonly Queue<(DateTimeOffset Time, string? Value)> _entries = new();
        private readonly Dictionary<string, int> _distinct = new(StringComparer.Ordinal);

        public string Key { get; } = key;

        public LinkedListNode<Window>? Node { get; set; }

        public DateTimeOffset LastSeen { get; set; }

        /// <summary>Per referenced rule: when it last matched (temporal) or the start of the chain ending at it (temporal_ordered).</summary>
        public DateTimeOffset?[] Seen { get; private set; } = new DateTimeOffset?[rules];

        public int Count => _entries.Count;

        public int Distinct => _distinct.Count;

        public double Sum { get; private set; }

        public int Entries => _entries.Count + Seen.Count(s => s is not null);

        public DateTimeOffset? First => _entries.Count > 0 ? _entries.Peek().Time : Seen.Where(s => s is not null).Min();

        public void Add(DateTimeOffset time, string? value, int cap)
        {
            if (_entries.Count >= cap) Pop();
            _entries.Enqueue((time, value));
            if (value is null) return;
            _distinct[value] = _distinct.GetValueOrDefault(value) + 1;
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) Sum += n;
        }

        public void Drop(DateTimeOffset before)
        {
            while (_entries.Count > 0 && _entries.Peek().Time < before) Pop();
        }

        public double Percentile(int percentile)
        {
            var values = _entries.Select(e => double.Parse(e.Value!, CultureInfo.InvariantCulture)).Order().ToArray();
            // Nearest rank.
            var rank = (int)Math.Ceiling(percentile / 100.0 * values.Length);
            return values[Math.Clamp(rank - 1, 0, values.Length - 1)];
        }

        public void Reset(int rules)
        {
            _entries.Clear();
            _distinct.Clear();
            Sum = 0;
            Seen = new DateTimeOffset?[rules];
        }

        private void Pop()
        {
            var (_, value) = _entries.Dequeue();
            if (value is null) return;
            if (--_distinct[value] == 0) _distinct.Remove(value);
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) Sum -= n;
        }
    }
}

/// <summary>The memory bounds of <see cref="SigmaCorrelator"/>.</summary>
public sealed record SigmaCorrelatorOptions
{
    /// <summary>Groups kept per correlation rule; past it the least recently matched group is evicted.</summary>
    public int MaxGroups { get; init; } = 10_000;

    /// <summary>Matches kept per group window; past it the oldest is dropped (a count threshold above it cannot be reached).</summary>
    public int MaxEntriesPerGroup { get; init; } = 10_000;
}

/// <summary>A correlation rule that fired: the group, the measured value, the window, and the event it fired on.</summary>
public sealed record SigmaCorrelationHit(
    SigmaCorrelationRule Rule,
    string GroupKey,
    IReadOnlyList<(string Field, string Value)> Group,
    double Value,
    int Events,
    DateTimeOffset First,
    DateTimeOffset Last,
    Event Event);
