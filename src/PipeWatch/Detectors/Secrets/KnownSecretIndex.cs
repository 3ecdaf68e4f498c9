using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Rules.Patterns;
using PipeWatch.Store;

namespace PipeWatch.Detectors.Secrets;

/// <summary>A known secret found in a text: which variable, the encodings it was found through (outermost first), and where.</summary>
/// <param name="Name">The secret variable.</param>
/// <param name="Chain">The decodings applied to the text, then the form matched: <c>base64 → base64 → plain</c> as a list.</param>
/// <param name="Start">Where the occurrence (or the outermost encoded string holding it) starts in the searched text.</param>
/// <param name="End">Where it ends.</param>
internal sealed record KnownSecretHit(string Name, IReadOnlyList<string> Chain, int Start, int End)
{
    public string ChainText => string.Join(" → ", Chain);
}

/// <summary>Finds the learned secrets (<see cref="IKnownSecretStore"/>) in a text, however encoded, by hashing only candidate tokens.</summary>
/// <remarks>
/// A form is cut out of a text as a whole run of its alphabet (ASCII letters, digits and the form's own punctuation) whose length is one a
/// form has; only such runs are hashed (HMAC-SHA256 under the store's key) and looked up. Encoded strings (base64 runs, wrapped base64,
/// hex, URL escapes, gzip+base64) are decoded by <see cref="EncodedSecretScanner.Decodings"/> and searched again, up to
/// <see cref="DecodeDepth"/> levels and <see cref="EncodedSecretScanner.MaximumDecodedBytes"/> of decoded text per search. A value split over two
/// lines is found by joining the last run of a line with the first of the next; a partly masked one (next to <c>***</c> or <c>[MASKED]</c>)
/// by its halves, when the value is long enough to keep them. Immutable and thread-safe.
/// </remarks>
internal sealed class KnownSecretIndex
{
    /// <summary>How many decodings deep encoded strings are followed (double base64 is 2).</summary>
    public const int DecodeDepth = 4;

    /// <summary>The shortest encoded string decoded.</summary>
    private const int MinimumEncodedLength = 16;

    private static readonly string[] MaskMarkers = ["***", "[MASKED]"];

    private readonly byte[] _key;
    private readonly Dictionary<ulong, List<(string Name, string Form, byte[] Hash)>> _byHash = [];
    private readonly Group[] _groups;
    private readonly Group[] _halves;
    private readonly SearchValues<char> _union;
    private readonly bool _unionNonAscii;
    private readonly int _minimum;

    private KnownSecretIndex(byte[] key, IReadOnlyList<KnownSecretFingerprint> fingerprints)
    {
        _key = key;
        foreach (var f in fingerprints)
        {
            var hash = f.Hash.ToArray();
            var slot = BinaryPrimitives.ReadUInt64LittleEndian(hash);
            if (!_byHash.TryGetValue(slot, out var list)) _byHash[slot] = list = [];
            list.Add((f.Name, f.Form, hash));
        }

        static bool IsHalf(KnownSecretFingerprint f) => f.Form is "prefix-half" or "suffix-half";
        _groups = [.. fingerprints.Where(f => !IsHalf(f)).GroupBy(f => f.Alphabet, StringComparer.Ordinal).Select(g => new Group(g.Key, g.Select(f => f.Length)))];
        _halves = [.. fingerprints.Where(IsHalf).GroupBy(f => f.Alphabet, StringComparer.Ordinal).Select(g => new Group(g.Key, g.Select(f => f.Length)))];
        var union = new HashSet<char>(Group.LettersAndDigits);
        foreach (var g in _groups) union.UnionWith(g.Alphabet.Where(c => c < 0x80));
        _union = SearchValues.Create([.. union]);
        _unionNonAscii = _groups.Any(g => g.NonAscii);
        _minimum = _groups.Length == 0 ? int.MaxValue : _groups.Min(g => g.Minimum);
        Names = [.. fingerprints.Select(f => f.Name).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>No known secrets: every search finds nothing at once.</summary>
    public static KnownSecretIndex Empty { get; } = new([], []);

    /// <summary>The secret variables the index holds.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool IsEmpty => _byHash.Count == 0;

    /// <summary>The index of a store's known secrets (<see cref="Empty"/> when it holds none).</summary>
    public static KnownSecretIndex Load(IKnownSecretStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var fingerprints = store.ReadKnownSecrets();
        return fingerprints.Count == 0 ? Empty : new KnownSecretIndex(store.KnownSecretKey().ToArray(), fingerprints);
    }

    /// <summary>An index over <paramref name="fingerprints"/> made under <paramref name="key"/> (tests, benchmarks).</summary>
    public static KnownSecretIndex Create(ReadOnlySpan<byte> key, IReadOnlyList<KnownSecretFingerprint> fingerprints) => new(key.ToArray(), fingerprints);

    /// <summary>Every occurrence of a known secret in <paramref name="text"/>, in order of position; one per variable and place.</summary>
    public IReadOnlyList<KnownSecretHit> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsEmpty) return [];
        var hits = new List<KnownSecretHit>();
        var budget = EncodedSecretScanner.MaximumDecodedBytes;
        Search(text, [], null, 0, hits, ref budget);
        return [.. hits.OrderBy(h => h.Start)];
    }

    // outer: the range in the searched text of the outermost encoded string this text was decoded from; null at the top.
    private void Search(string text, string[] chain, (int Start, int End)? outer, int depth, List<KnownSecretHit> hits, ref int budget)
    {
        Runs(text, chain, outer, hits);
        SplitOverLines(text, chain, outer, hits);
        Masked(text, chain, outer, hits);
        if (depth >= DecodeDepth) return;
        foreach (var (start, length, decoded, encoding) in EncodedSecretScanner.Decodings(text, MinimumEncodedLength))
        {
            if (budget <= 0) return;
            budget -= decoded.Length;
            Search(decoded, [.. chain, encoding], outer ?? (start, start + length), depth + 1, hits, ref budget);
        }
    }

    // Whole runs of each alphabet whose length a form has; NAME=value is tried as value too.
    private void Runs(string text, string[] chain, (int Start, int End)? outer, List<KnownSecretHit> hits)
    {
        var at = 0;
        while (at < text.Length)
        {
            var start = _unionNonAscii ? NextNonDelimiter(text, at) : text.AsSpan(at).IndexOfAny(_union) is var s and >= 0 ? at + s : -1;
            if (start < 0) return;
            var end = _unionNonAscii ? NextDelimiter(text, start) : text.AsSpan(start).IndexOfAnyExcept(_union) is var e and >= 0 ? start + e : text.Length;
            if (end - start >= _minimum)
            {
                foreach (var group in _groups) RunsOf(group, text, start, end, chain, outer, hits);
            }

            at = end;
        }
    }

    private void RunsOf(Group group, string text, int start, int end, string[] chain, (int Start, int End)? outer, List<KnownSecretHit> hits)
    {
        var i = start;
        while (i < end)
        {
            while (i < end && !group.Holds(text[i])) i++;
            var j = i;
            while (j < end && group.Holds(text[j])) j++;
            var length = j - i;
            if (group.Lengths.Contains(length)) Check(text.AsSpan(i, length), chain, outer ?? (i, j), hits, "");
            else if (length > group.Minimum && text.AsSpan(i, length).IndexOf('=') is var eq and > 0 && group.Lengths.Contains(length - eq - 1))
            {
                Check(text.AsSpan(i + eq + 1, length - eq - 1), chain, outer ?? (i + eq + 1, j), hits, "");
            }

            i = j;
        }
    }

    // The last run of a line joined with the first run of the next: a value printed in two pieces (echo ${S:0:20}; echo ${S:20}).
    private void SplitOverLines(string text, string[] chain, (int Start, int End)? outer, List<KnownSecretHit> hits)
    {
        if (_groups.Length == 0) return;
        for (var newline = text.IndexOf('\n'); newline >= 0; newline = text.IndexOf('\n', newline + 1))
        {
            foreach (var group in _groups)
            {
                var leftEnd = newline;
                while (leftEnd > 0 && text[leftEnd - 1] is '\r' or ' ' or '\t') leftEnd--;
                var leftStart = leftEnd;
                while (leftStart > 0 && leftEnd - leftStart < group.Maximum && group.Holds(text[leftStart - 1])) leftStart--;
                if (leftStart == leftEnd || (leftStart > 0 && group.Holds(text[leftStart - 1]))) continue;
                var rightStart = newline + 1;
                while (rightStart < text.Length && text[rightStart] is ' ' or '\t') rightStart++;
                var rightEnd = rightStart;
                while (rightEnd < text.Length && rightEnd - rightStart < group.Maximum && group.Holds(text[rightEnd])) rightEnd++;
                if (rightEnd == rightStart || (rightEnd < text.Length && group.Holds(text[rightEnd]))) continue;
                var length = leftEnd - leftStart + rightEnd - rightStart;
                if (!group.Lengths.Contains(length)) continue;
                var joined = string.Concat(text.AsSpan(leftStart, leftEnd - leftStart), text.AsSpan(rightStart, rightEnd - rightStart));
                Check(joined, chain, outer ?? (leftStart, rightEnd), hits, "split over two lines");
            }
        }
    }

    // A run ending at a mask marker starts with the value's first half; one starting after a marker ends with its last half.
    private void Masked(string text, string[] chain, (int Start, int End)? outer, List<KnownSecretHit> hits)
    {
        if (_halves.Length == 0) return;
        foreach (var marker in MaskMarkers)
        {
            for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal))
            {
                foreach (var group in _halves)
                {
                    var start = at;
                    while (start > 0 && group.Holds(text[start - 1])) start--;
                    var end = at + marker.Length;
                    while (end < text.Length && group.Holds(text[end])) end++;
                    foreach (var half in group.Lengths)
                    {
                        if (at - start >= half) Check(text.AsSpan(start, half), chain, outer ?? (start, at), hits, "partly masked");
                        if (end - at - marker.Length >= half) Check(text.AsSpan(end - half, half), chain, outer ?? (at + marker.Length, end), hits, "partly masked");
                    }
                }
            }
        }
    }

    private void Check(ReadOnlySpan<char> candidate, string[] chain, (int Start, int End) range, List<KnownSecretHit> hits, string how)
    {
        var byteCount = Encoding.UTF8.GetByteCount(candidate);
        var rented = byteCount > 512 ? ArrayPool<byte>.Shared.Rent(byteCount) : null;
        Span<byte> bytes = rented is null ? stackalloc byte[512] : rented;
        Span<byte> hash = stackalloc byte[32];
        try
        {
            var written = Encoding.UTF8.GetBytes(candidate, bytes);
            HMACSHA256.HashData(_key, bytes[..written], hash);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }

        if (!_byHash.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(hash), out var entries)) return;
        foreach (var (name, form, full) in entries)
        {
            if (!CryptographicOperations.FixedTimeEquals(full, hash)) continue;
            if (hits.Exists(h => h.Name == name && h.Start < range.End && range.Start < h.End)) continue;
            string[] found = how.Length == 0 ? [.. chain, form] : [.. chain, $"{form} ({how})"];
            hits.Add(new KnownSecretHit(name, found, range.Start, range.End));
        }
    }

    private int NextNonDelimiter(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] >= 0x80 || _union.Contains(text[i])) return i;
        }

        return -1;
    }

    private int NextDelimiter(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] < 0x80 && !_union.Contains(text[i])) return i;
        }

        return text.Length;
    }

    /// <summary>The forms of one alphabet: which characters make a run of them, and the lengths worth hashing.</summary>
    private sealed class Group
    {
        public static readonly char[] LettersAndDigits = [.. "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"];

        private readonly bool[] _ascii = new bool[128];

        public Group(string alphabet, IEnumerable<int> lengths)
        {
            Alphabet = alphabet;
            foreach (var c in LettersAndDigits) _ascii[c] = true;
            foreach (var c in alphabet)
            {
                if (c < 0x80) _ascii[c] = true;
                else NonAscii = true;
            }

            Lengths = [.. lengths];
            Minimum = Lengths.Min();
            Maximum = Lengths.Max();
        }

        public string Alphabet { get; }

        public bool NonAscii { get; }

        public HashSet<int> Lengths { get; }

        public int Minimum { get; }

        public int Maximum { get; }

        public bool Holds(char c) => c < 0x80 ? _ascii[c] : NonAscii;
    }
}
