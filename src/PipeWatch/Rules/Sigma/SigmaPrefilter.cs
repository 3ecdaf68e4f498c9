using System.Buffers;
using System.Globalization;

namespace PipeWatch.Rules.Sigma;

/// <summary>
/// Skips rules whose literals are absent: per field, one multi-string search (<see cref="SearchValues{T}"/>) over the
/// literals of every rule, so a rule is evaluated only when one of the literals it needs occurs in its field.
/// </summary>
/// <remarks>
/// A rule's necessary literals come from its condition (<see cref="SigmaLiterals"/>): an AND needs any one part's, an OR
/// needs one of every part's, a NOT or a regex needs none (such rules always run). Built once; thread-safe.
/// </remarks>
internal sealed class SigmaPrefilter
{
    private readonly int[] _always;
    private readonly FieldScan[] _fields;
    private readonly int[][] _rulesByLiteral;
    private readonly int _ruleCount;

    public SigmaPrefilter(IReadOnlyList<SigmaRule> rules)
    {
        _ruleCount = rules.Count;
        var always = new List<int>();
        var literalIds = new Dictionary<(string Field, string Literal), int>();
        var rulesByLiteral = new List<List<int>>();
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Required is not { } required)
            {
                always.Add(i);
                continue;
            }

            foreach (var key in required.AnyOf.Select(l => (l.Field, l.Literal.ToLowerInvariant())).Distinct())
            {
                if (!literalIds.TryGetValue(key, out var id))
                {
                    id = literalIds.Count;
                    literalIds[key] = id;
                    rulesByLiteral.Add([]);
                }

                rulesByLiteral[id].Add(i);
            }
        }

        _always = [.. always];
        _rulesByLiteral = [.. rulesByLiteral.Select(r => r.ToArray())];
        _fields = [.. literalIds.GroupBy(p => p.Key.Field, StringComparer.Ordinal).Select(g => new FieldScan(g.Key, [.. g.Select(p => (p.Key.Literal, p.Value))]))];
        LiteralCount = literalIds.Count;
    }

    /// <summary>Distinct (field, literal) pairs searched.</summary>
    public int LiteralCount { get; }

    /// <summary>Rules that need no literal and always run.</summary>
    public int AlwaysRun => _always.Length;

    /// <summary>The indexes of the rules worth evaluating on <paramref name="source"/>, in rule order.</summary>
    public void Candidates(ISigmaFieldSource source, List<int> result)
    {
        result.Clear();
        if (_fields.Length == 0)
        {
            result.AddRange(_always);
            return;
        }

        Span<ulong> chosen = _ruleCount <= 1024 ? stackalloc ulong[(_ruleCount + 63) / 64] : new ulong[(_ruleCount + 63) / 64];
        foreach (var index in _always) chosen[index >> 6] |= 1UL << index;
        foreach (var scan in _fields)
        {
            if (!source.TryGet(scan.Field, out var value) || value is null) continue;
            if (value is string text) scan.Find(text, _rulesByLiteral, chosen);
            else if (value is IEnumerable<string> many) foreach (var item in many) scan.Find(item, _rulesByLiteral, chosen);
            else scan.Find(value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? string.Empty, _rulesByLiteral, chosen);
        }

        for (var word = 0; word < chosen.Length; word++)
        {
            var bits = chosen[word];
            while (bits != 0)
            {
                var bit = System.Numerics.BitOperations.TrailingZeroCount(bits);
                result.Add((word << 6) + bit);
                bits &= bits - 1;
            }
        }
    }

    /// <summary>The literals of one field: a multi-string search, and the literals by their first (lower-case) character.</summary>
    private sealed class FieldScan
    {
        private readonly SearchValues<string> _search;
        private readonly Dictionary<char, (string Literal, int Id)[]> _byFirst;

        public FieldScan(string field, IReadOnlyList<(string Literal, int Id)> literals)
        {
            Field = field;
            _search = SearchValues.Create([.. literals.Select(l => l.Literal)], StringComparison.OrdinalIgnoreCase);
            _byFirst = literals.GroupBy(l => char.ToLowerInvariant(l.Literal[0])).ToDictionary(g => g.Key, g => g.ToArray());
        }

        public string Field { get; }

        public void Find(string text, int[][] rulesByLiteral, Span<ulong> chosen)
        {
            var span = text.AsSpan();
            var offset = 0;
            while (offset < span.Length)
            {
                var hit = span[offset..].IndexOfAny(_search);
                if (hit < 0) return;
                var at = offset + hit;
                if (_byFirst.TryGetValue(char.ToLowerInvariant(span[at]), out var candidates))
                {
                    foreach (var (literal, id) in candidates)
                    {
                        if (!span[at..].StartsWith(literal, StringComparison.OrdinalIgnoreCase)) continue;
                        foreach (var rule in rulesByLiteral[id]) chosen[rule >> 6] |= 1UL << rule;
                    }
                }

                offset = at + 1;
            }
        }
    }
}
