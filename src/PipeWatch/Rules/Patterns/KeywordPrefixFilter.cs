namespace PipeWatch.Rules.Patterns;

/// <summary>Where a secret rule's keyword may start in a text: a table of the keywords' first three characters, looked up at each position with ASCII letters folded to lower case.</summary>
/// <remarks>
/// <para>
/// It replaces <c>SearchValues&lt;string&gt;</c> passes as the scanner's keyword search. .NET's vectorized search (Teddy) for
/// these sets is generic code of the runtime library that is not compiled ahead of time for them: a scan started it as
/// unoptimized tier-0 code, a call per vector step, and ran it so until the runtime got round to optimizing it, which in a busy
/// process is late. Over the added lines of actions/toolkit's history (16.5 M characters) the first pass of the 31 keyword
/// sets took 330–350 ms of CPU, later passes 110–450, and 130 with every method optimized from the start. This table is plain
/// code, compiled ahead of time with the library, and reads each character once.
/// </para>
/// <para>
/// Exact: every keyword is ASCII (else <see cref="Create"/> gives null and the scanner keeps the sets), and no non-ASCII
/// character equals an ASCII one ignoring case (<see cref="StringComparison.OrdinalIgnoreCase"/>; proven over every
/// character by the tests), so a keyword can start only where the folded characters begin it. The table lets through every
/// such position and a few more (3 % of positions in source text: a shared three-character prefix); the caller verifies
/// each candidate keyword as before. Immutable and thread-safe.
/// </para>
/// </remarks>
internal sealed class KeywordPrefixFilter
{
    // ASCII folded to lower case (the only case pairs OrdinalIgnoreCase knows below 128).
    private static readonly byte[] Fold = CreateFold();

    // By the folded first two characters (7 bits each): 0 when no keyword starts so, else the index of an entry below.
    private readonly ushort[] _pairs;

    // Per entry: the folded third characters of its keywords (bits 0–63 and 64–127), whether a two-character keyword ends
    // there, and its keywords with the rules each selects.
    private readonly ulong[] _thirdLow;
    private readonly ulong[] _thirdHigh;
    private readonly bool[] _complete;
    private readonly (string Keyword, int[] Rules)[][] _keywords;

    private KeywordPrefixFilter(ushort[] pairs, ulong[] thirdLow, ulong[] thirdHigh, bool[] complete, (string Keyword, int[] Rules)[][] keywords)
    {
        _pairs = pairs;
        _thirdLow = thirdLow;
        _thirdHigh = thirdHigh;
        _complete = complete;
        _keywords = keywords;
    }

    /// <summary>The filter for these keywords; null when one is shorter than two characters or not ASCII (the scanner then searches the keyword sets).</summary>
    /// <remarks>
    /// Built with plain loops over arrays, in two passes (count, then fill), not by grouping with LINQ: every scan builds this
    /// once at start-up, and LINQ's grouping and tuple projections here are the framework's generic code over value types,
    /// which a framework-dependent build cannot precompile for us, so each process JIT-compiled them (the built-in rule
    /// book's scanner cost 18 ms of CPU cold and under 1 ms warm). Same entries, in the order the keywords come.
    /// </remarks>
    public static KeywordPrefixFilter? Create(IReadOnlyDictionary<string, int[]> rulesByKeyword)
    {
        ArgumentNullException.ThrowIfNull(rulesByKeyword);
        foreach (var keyword in rulesByKeyword.Keys)
        {
            if (keyword.Length < 2 || !System.Text.Ascii.IsValid(keyword)) return null;
        }

        // Pass 1: an entry per folded first pair, numbered from 1 in the order the pairs first come; how many keywords each has.
        var pairs = new ushort[128 * 128];
        var counts = new int[(128 * 128) + 1];
        var entries = 1;
        foreach (var keyword in rulesByKeyword.Keys)
        {
            var pair = PairOf(keyword);
            if (pairs[pair] == 0) pairs[pair] = (ushort)entries++;
            counts[pairs[pair]]++;
        }

        // Pass 2: each entry's keywords in the same order, and the third characters they allow.
        var (low, high, complete) = (new ulong[entries], new ulong[entries], new bool[entries]);
        var keywords = new (string Keyword, int[] Rules)[entries][];
        keywords[0] = [];
        for (var entry = 1; entry < entries; entry++) keywords[entry] = new (string Keyword, int[] Rules)[counts[entry]];
        var filled = new int[entries];
        foreach (var pair in rulesByKeyword)
        {
            var keyword = pair.Key;
            var entry = pairs[PairOf(keyword)];
            keywords[entry][filled[entry]++] = (keyword, pair.Value);
            if (keyword.Length == 2)
            {
                complete[entry] = true;
                continue;
            }

            var third = Fold[keyword[2]];
            if (third < 64) low[entry] |= 1UL << third;
            else high[entry] |= 1UL << (third - 64);
        }

        return new KeywordPrefixFilter(pairs, low, high, complete, keywords);
    }

    // The table index of an ASCII keyword's folded first two characters.
    private static int PairOf(string keyword) => (Fold[keyword[0]] << 7) | Fold[keyword[1]];

    private static byte[] CreateFold()
    {
        var fold = new byte[128];
        for (var c = 0; c < fold.Length; c++) fold[c] = (byte)(c is >= 'A' and <= 'Z' ? c + 32 : c);
        return fold;
    }

    /// <summary>The first position at or after <paramref name="from"/> where a keyword may start, with the keywords to verify there; -1 for none.</summary>
    public int Next(ReadOnlySpan<char> text, int from, out (string Keyword, int[] Rules)[] candidates)
    {
        for (var i = Math.Max(from, 0); i + 1 < text.Length; i++)
        {
            int first = text[i], second = text[i + 1];
            if ((first | second) >= 128) continue;
            var entry = _pairs[(Fold[first] << 7) | Fold[second]];
            if (entry == 0) continue;
            if (!_complete[entry])
            {
                if (i + 2 >= text.Length || text[i + 2] >= 128) continue;
                var third = Fold[text[i + 2]];
                if (((third < 64 ? _thirdLow[entry] >> third : _thirdHigh[entry] >> (third - 64)) & 1) == 0) continue;
            }

            candidates = _keywords[entry];
            return i;
        }

        candidates = _keywords[0];
        return -1;
    }
}
