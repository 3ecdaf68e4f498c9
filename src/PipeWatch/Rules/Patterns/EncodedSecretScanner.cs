using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Unicode;

namespace PipeWatch.Rules.Patterns;

/// <summary>A secret found in a text, plainly or inside encoded strings, with the decodings that revealed it.</summary>
/// <param name="Match">The secret as found in the (innermost decoded) text; its line and column are of that text.</param>
/// <param name="Encodings">The decodings applied, outermost first (<c>base64</c>, <c>base64</c>); empty when it was printed as is.</param>
/// <param name="Index">Where in the scanned text the secret, or the outermost encoded string holding it, starts.</param>
internal sealed record EncodedSecretMatch(SecretMatch Match, IReadOnlyList<string> Encodings, int Index)
{
    /// <summary>The decoding chain for explanations: <c>base64 → base64 → found github-pat</c>.</summary>
    public string Chain => string.Join(" → ", [.. Encodings, $"found {Match.RuleId}"]);
}

/// <summary>Finds secrets in a text and in the base64, hex, URL-encoded and gzip+base64 strings it holds, decoding recursively.</summary>
/// <remarks>
/// Candidates are cheap to find: runs of the base64 alphabet (which covers hex) of at least <see cref="MinimumLength"/> characters,
/// and runs holding <c>%XX</c> escapes. A decoding is kept only when it gives text (valid UTF-8, almost no control characters),
/// so the random runs of a clean log (paths, hashes, identifiers) cost one failed decode each. Each decoded text is scanned by the
/// <see cref="SecretScanner"/> and searched for candidates again, up to <see cref="MaximumDepth"/> decodings deep.
/// Immutable and thread-safe.
/// </remarks>
internal sealed class EncodedSecretScanner
{
    /// <summary>The most a gzip stream may inflate to, and the most decoded text one scan may produce, so a crafted input cannot exhaust memory.</summary>
    public const int MaximumDecodedBytes = 16 << 20;

    private const string Base64Characters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
    private static readonly bool[] Base64Table = Enumerable.Range(0, 128).Select(c => Base64Characters.Contains((char)c, StringComparison.Ordinal)).ToArray();
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly SearchValues<char> UrlTokenEnd = SearchValues.Create(" \t\n\r\"'<>`()[]{}|\\^");

    private readonly SecretScanner _scanner;

    /// <param name="scanner">The rules to find secrets with.</param>
    /// <param name="maximumDepth">How many decodings deep to look (0: plain text only).</param>
    /// <param name="minimumLength">The shortest run of base64 or hex characters tried as an encoded string.</param>
    public EncodedSecretScanner(SecretScanner scanner, int maximumDepth = 5, int minimumLength = 20)
    {
        ArgumentNullException.ThrowIfNull(scanner);
        ArgumentOutOfRangeException.ThrowIfNegative(maximumDepth);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumLength, 4);
        _scanner = scanner;
        MaximumDepth = maximumDepth;
        MinimumLength = minimumLength;
    }

    public SecretScanner Scanner => _scanner;

    public int MaximumDepth { get; }

    public int MinimumLength { get; }

    /// <summary>Every secret in <paramref name="text"/>, plain ones first, then encoded ones in order of position; a secret found by the same rule twice is reported once.</summary>
    public IReadOnlyList<EncodedSecretMatch> Scan(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<EncodedSecretMatch>();
        foreach (var match in _scanner.Scan(text)) found.Add(new EncodedSecretMatch(match, [], match.Index));
        if (MaximumDepth > 0)
        {
            var budget = MaximumDecodedBytes;
            Descend(text, [], -1, 1, found, ref budget);
        }

        var seen = new HashSet<(string, string)>();
        return [.. found.Where(f => seen.Add((f.Match.RuleId, f.Match.Secret)))];
    }

    // Decodes each candidate of text, scans what it gives and goes one level deeper. outer: the index in the scanned text, -1 at the top.
    private void Descend(string text, string[] chain, int outer, int depth, List<EncodedSecretMatch> found, ref int budget)
    {
        foreach (var (start, length, encoding) in Candidates(text, MinimumLength))
        {
            if (budget <= 0) return;
            if (Decode(text.AsSpan(start, length), encoding) is not { } decoded) continue;
            budget -= decoded.Text.Length;
            var at = outer >= 0 ? outer : start;
            string[] next = [.. chain, decoded.Encoding];
            foreach (var match in _scanner.Scan(decoded.Text)) found.Add(new EncodedSecretMatch(match, next, at));
            if (depth < MaximumDepth) Descend(decoded.Text, next, at, depth + 1, found, ref budget);
        }
    }

    /// <summary>
    /// The encoded strings of <paramref name="text"/> (base64, wrapped base64, hex, URL, gzip+base64) that decode to text, one level deep:
    /// where each is and what it decodes to. The same candidates and decoding as <see cref="Scan"/>, for callers that search decoded text themselves.
    /// </summary>
    internal static IEnumerable<(int Start, int Length, string Text, string Encoding)> Decodings(string text, int minimumLength)
    {
        foreach (var (start, length, kind) in Candidates(text, minimumLength))
        {
            if (Decode(text.AsSpan(start, length), kind) is { } decoded) yield return (start, length, decoded.Text, decoded.Encoding);
        }
    }

    private enum Kind
    {
        Base64,

        /// <summary>Base64 printed over several lines of one width (76 by <c>base64</c>, 64 by <c>openssl</c>), the last one shorter.</summary>
        WrappedBase64,
        Url,
    }

    /// <summary>Where base64 wrapped over lines ends, when the run [start, end) fills its whole line and the next lines continue it.</summary>
    /// <remarks>
    /// The lines but the last are as long as the first (at least 40 characters, a multiple of 4); the last is no longer, may end in
    /// <c>=</c> padding, and ends the block. Null when fewer than two lines make it up.
    /// </remarks>
    private static int? WrappedEnd(string text, int start, int end)
    {
        var width = end - start;
        if (width < 40 || width % 4 != 0 || (start > 0 && text[start - 1] != '\n')) return null;
        int? last = null;
        var lineEnd = end;
        while (lineEnd < text.Length && text[lineEnd] == '\n')
        {
            var next = lineEnd + 1;
            var stop = next;
            while (stop < text.Length && InAlphabet(text[stop])) stop++;
            var padded = stop;
            while (padded < text.Length && padded - stop < 2 && text[padded] == '=') padded++;
            var atLineEnd = padded == text.Length || text[padded] == '\n';
            var lineLength = padded - next;
            if (!atLineEnd || lineLength == 0 || lineLength > width) break;
            last = padded;
            if (lineLength < width || padded > stop) break;
            lineEnd = padded;
        }

        return last;
    }

    // Runs of the base64 alphabet (hex is tried on the all-hex ones), and whitespace-delimited tokens with %XX escapes.
    private static IEnumerable<(int Start, int Length, Kind Kind)> Candidates(string text, int minimumLength)
    {
        // A run of at least L alphabet characters covers a position that is L - 1 plus a multiple of L, so only those
        // positions are looked at, and a run is measured only from one of them: a clean text's words are mostly skipped.
        var length = minimumLength;
        var wrappedUntil = 0;
        for (var probe = length - 1; probe < text.Length; probe += length)
        {
            if (!InAlphabet(text[probe])) continue;
            var start = probe;
            while (start > 0 && InAlphabet(text[start - 1])) start--;
            var end = probe + 1;
            while (end < text.Length && InAlphabet(text[end])) end++;
            var padded = end;
            while (padded < text.Length && padded - end < 2 && text[padded] == '=') padded++;
            if (end - start >= length) yield return (start, padded - start, Kind.Base64);
            // A wrapped block is one candidate from its first line: its later lines do not start blocks of their own.
            if (start >= wrappedUntil && WrappedEnd(text, start, end) is { } wrappedEnd)
            {
                yield return (start, wrappedEnd - start, Kind.WrappedBase64);
                wrappedUntil = wrappedEnd;
            }

            // Runs after this one start after its end: probing from end - 1 + L on still covers each of them.
            probe = end - 1;
        }

        for (var percent = text.IndexOf('%'); percent >= 0; percent = text.IndexOf('%', percent + 1))
        {
            if (percent + 2 >= text.Length || !HexDigits.Contains(text[percent + 1]) || !HexDigits.Contains(text[percent + 2])) continue;
            var before = text.AsSpan(0, percent).LastIndexOfAny(UrlTokenEnd);
            var start = before + 1;
            var after = text.AsSpan(percent).IndexOfAny(UrlTokenEnd);
            var end = after < 0 ? text.Length : percent + after;
            if (end - start >= minimumLength) yield return (start, end - start, Kind.Url);
            // The next search starts after this token (at its delimiter, or at the text's end).
            percent = end - 1;
        }
    }

    private static (string Text, string Encoding)? Decode(ReadOnlySpan<char> candidate, Kind kind)
    {
        if (kind == Kind.WrappedBase64)
        {
            Span<char> joined = candidate.Length <= 4096 ? stackalloc char[candidate.Length] : new char[candidate.Length];
            var length = 0;
            foreach (var c in candidate)
            {
                if (c != '\n') joined[length++] = c;
            }

            return Decode(joined[..length], Kind.Base64);
        }

        if (kind == Kind.Url)
        {
            var unescaped = Uri.UnescapeDataString(candidate.ToString());
            return unescaped.Length < candidate.Length && IsText(Encoding.UTF8.GetBytes(unescaped)) ? (unescaped, "url") : null;
        }

        if (candidate.Length % 2 == 0 && !candidate.ContainsAnyExcept(HexDigits) && HexStartsLikeText(candidate))
        {
            var bytes = Convert.FromHexString(candidate);
            if (IsText(bytes)) return (Encoding.UTF8.GetString(bytes), "hex");
        }

        if (!Base64StartsLikeText(candidate) || FromBase64(candidate) is not { } decoded) return null;
        if (decoded is [0x1F, 0x8B, ..]) return Gunzip(decoded) is { } inflated && IsText(inflated) ? (Encoding.UTF8.GetString(inflated), "gzip+base64") : null;
        return IsText(decoded) ? (Encoding.UTF8.GetString(decoded), "base64") : null;
    }

    private static byte[]? FromBase64(ReadOnlySpan<char> candidate)
    {
        var body = candidate.TrimEnd('=');
        if (body.Length % 4 == 1) return null;
        var urlSafe = body.ContainsAny('-', '_');
        if (urlSafe && body.ContainsAny('+', '/')) return null;
        var length = (body.Length + 3) / 4 * 4;
        var chars = ArrayPool<char>.Shared.Rent(length);
        try
        {
            body.CopyTo(chars);
            if (urlSafe)
            {
                var span = chars.AsSpan(0, body.Length);
                span.Replace('-', '+');
                span.Replace('_', '/');
            }

            chars.AsSpan(body.Length, length - body.Length).Fill('=');
            var bytes = new byte[length / 4 * 3];
            return Convert.TryFromBase64Chars(chars.AsSpan(0, length), bytes, out var written) ? bytes[..written] : null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static byte[]? Gunzip(byte[] compressed)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                if (output.Length + read > MaximumDecodedBytes) return null;
                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static bool InAlphabet(char c) => c < 128 && Base64Table[c];

    // The runs of a clean text (identifiers, paths, hashes) decode to random bytes: looking at the first 12 decoded bytes,
    // without allocating, rejects almost all of them before the whole run is decoded.
    private static bool Base64StartsLikeText(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length < 16) return true;
        Span<char> head = stackalloc char[16];
        candidate[..16].CopyTo(head);
        head.Replace('-', '+');
        head.Replace('_', '/');
        Span<byte> bytes = stackalloc byte[12];
        return !Convert.TryFromBase64Chars(head, bytes, out var written) || written < 12 || PrefixLooksLikeText(bytes);
    }

    private static bool HexStartsLikeText(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length < 24) return true;
        Span<byte> bytes = stackalloc byte[12];
        return Convert.FromHexString(candidate[..24], bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written < 12 || PrefixLooksLikeText(bytes);
    }

    // The gzip magic, or mostly printable ASCII with no control characters (a cut multi-byte character at the end is fine).
    private static bool PrefixLooksLikeText(ReadOnlySpan<byte> bytes)
    {
        if (bytes is [0x1F, 0x8B, ..]) return true;
        var printable = 0;
        foreach (var b in bytes)
        {
            if ((b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r')) || b == 0x7F) return false;
            if (b < 0x80) printable++;
        }

        return printable * 4 >= bytes.Length * 3;
    }

    // Text: at least 8 bytes of valid UTF-8 with at most 1 control character in 100 (tabs and line breaks are text).
    private static bool IsText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8 || !Utf8.IsValid(bytes)) return false;
        var control = 0;
        foreach (var b in bytes)
        {
            if ((b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r')) || b == 0x7F) control++;
        }

        return control * 100 <= bytes.Length;
    }
}
