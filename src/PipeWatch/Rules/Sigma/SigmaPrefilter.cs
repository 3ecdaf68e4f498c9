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

    /// <summary>For diagnostics: each field searched and its literal count.</summary>
    internal IEnumerable<string> Describe() => _fields.Select(f => $"{f.Field.Replace(SigmaLiterals.AnyField, "(keywords)")}={f.Count}");

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
            if (scan.Field == SigmaLiterals.AnyField)
            {
                FindInAllValues(scan, source, chosen);
                continue;
            }

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

    // Keywords may occur in any value: the values are joined with line feeds and searched in one pass. A hit across a
    // line feed only lets a rule through to be evaluated, which is exact; it never hides one.
    private void FindInAllValues(FieldScan scan, ISigmaFieldSource source, Span<ulong> chosen)
    {
        var buffer = ArrayPool<char>.Shared.Rent(1024);
        try
        {
            var length = 0;
            foreach (var value in source.AllValues())
            {
                if (length + value.Length + 1 > buffer.Length)
                {
                    var larger = ArrayPool<char>.Shared.Rent(Math.Max(buffer.Length * 2, length + value.Length + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<char>.Shared.Return(buffer);
                    buffer = larger;
                }

                value.CopyTo(buffer.AsSpan(length));
                length += value.Length;
                buffer[length++] = '\n';
            }

            scan.Find(buffer.AsSpan(0, length), _rulesByLiteral, chosen);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>The literals of one field: a multi-string search, and the literals by their first (lower-case) character.</summary>
    /// <remarks>
    /// ASCII literals and the others (e.g. windash's en and em dashes) are searched apart: a non-ASCII literal would push
    /// the whole search off its vectorized path, and it can only occur in a value that is not all ASCII.
    /// </remarks>
    private sealed class FieldScan
    {
        private static readonly (string Literal, int Id)[] None = [];
        // Groups of at most this many literals of 3 characters or more keep SearchValues on its vectorized (Teddy) path;
        // one group of hundreds falls back to a scalar Aho-Corasick several times slower per character.
        private const int GroupSize = 48;
        private readonly SearchValues<string>[] _asciiSearch;
        private readonly SearchValues<string>? _otherSearch;

        // The literals to confirm at a hit, by its first two characters (lower case) when both are ASCII: with hundreds of
        // literals, those sharing only a first character are many, and comparing each was a sixth of the rule set's time.
        private readonly (string Literal, int Id)[][] _byPair = new (string, int)[128 * 128][];

        // The rest (one-character literals, non-ASCII in the first two characters), by first character.
        private readonly (string Literal, int Id)[][] _restAscii = new (string, int)[128][];
        private readonly Dictionary<char, (string Literal, int Id)[]> _restOther;

        public FieldScan(string field, IReadOnlyList<(string Literal, int Id)> literals)
        {
            Field = field;
            var ascii = literals.Where(l => System.Text.Ascii.IsValid(l.Literal)).Select(l => l.Literal).ToArray();
            var other = literals.Where(l => !System.Text.Ascii.IsValid(l.Literal)).Select(l => l.Literal).ToArray();
            var shortOnes = ascii.Where(l => l.Length < 3).ToArray();
            _asciiSearch = [.. ascii.Where(l => l.Length >= 3).Order(StringComparer.Ordinal).Chunk(GroupSize).Append(shortOnes).Where(g => g.Length > 0)
                .Select(g => SearchValues.Create(g, StringComparison.OrdinalIgnoreCase))];
            _otherSearch = other.Length > 0 ? SearchValues.Create(other, StringComparison.OrdinalIgnoreCase) : null;
            var paired = literals.Where(l => Pair(l.Literal, 0) >= 0).ToLookup(l => Pair(l.Literal, 0));
            for (var pair = 0; pair < _byPair.Length; pair++) _byPair[pair] = paired.Contains(pair) ? [.. paired[pair]] : None;
            var rest = literals.Where(l => Pair(l.Literal, 0) < 0).GroupBy(l => char.ToLowerInvariant(l.Literal[0])).ToDictionary(g => g.Key, g => g.ToArray());
            for (var c = 0; c < 128; c++) _restAscii[c] = rest.GetValueOrDefault((char)c) ?? None;
            _restOther = rest.Where(p => p.Key >= 128).ToDictionary();
        }

        public string Field { get; }

        public int Count => _byPair.Sum(a => a.Length) + _restAscii.Sum(a => a.Length) + _restOther.Values.Sum(a => a.Length);

        public void Find(ReadOnlySpan<char> text, int[][] rulesByLiteral, Span<ulong> chosen)
        {
            foreach (var search in _asciiSearch) Find(text, search, rulesByLiteral, chosen);
            if (_otherSearch is not null && !System.Text.Ascii.IsValid(text)) Find(text, _otherSearch, rulesByLiteral, chosen);
        }

        /// <summary>The bucket of the two characters at <paramref name="at"/>, lower case; -1 when there are not two or either is not ASCII.</summary>
        private static int Pair(ReadOnlySpan<char> text, int at)
        {
            if (at + 1 >= text.Length) return -1;
            var first = char.ToLowerInvariant(text[at]);
            var second = char.ToLowerInvariant(text[at + 1]);
            return first < 128 && second < 128 ? (first << 7) | second : -1;
        }

        private static void Confirm(ReadOnlySpan<char> text, (string Literal, int Id)[] candidates, int[][] rulesByLiteral, Span<ulong> chosen)
        {
            foreach (var (literal, id) in candidates)
            {
                if (!text.StartsWith(literal, StringComparison.OrdinalIgnoreCase)) continue;
                foreach (var rule in rulesByLiteral[id]) chosen[rule >> 6] |= 1UL << rule;
            }
        }

        private void Find(ReadOnlySpan<char> span, SearchValues<string> search, int[][] rulesByLiteral, Span<ulong> chosen)
        {
            var offset = 0;
            while (offset < span.Length)
            {
                var hit = span[offset..].IndexOfAny(search);
                if (hit < 0) return;
                var at = offset + hit;
                var pair = Pair(span, at);
                if (pair >= 0) Confirm(span[at..], _byPair[pair], rulesByLiteral, chosen);
                var first = char.ToLowerInvariant(span[at]);
                Confirm(span[at..], first < 128 ? _restAscii[first] : _restOther.GetValueOrDefault(first) ?? None, rulesByLiteral, chosen);
                offset = at + 1;
            }
        }
    }
}
