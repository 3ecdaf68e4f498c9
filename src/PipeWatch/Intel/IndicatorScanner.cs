using System.Buffers;
using System.Net;
using System.Text;

namespace PipeWatch.Intel;

/// <summary>One indicator found in a text or a field: the indicator, what was seen, and where.</summary>
/// <param name="Indicator">The indicator matched.</param>
/// <param name="Observed">The value as seen (a subdomain of a domain indicator, an address in a block, a URL on a listed host).</param>
/// <param name="Index">Where in the text it starts; 0 for a field.</param>
/// <remarks>
/// A class, not a struct: the lists of matches a scan makes for every commit were the framework's List over a value type, which
/// is in no ReadyToRun image and ran jitted (matches are rare, so the allocation is not).
/// </remarks>
internal sealed record IndicatorMatch(Indicator Indicator, string Observed, int Index);

/// <summary>What a text is searched for: network values (URLs, host names, addresses, e-mail addresses), hashes, or both.</summary>
[Flags]
internal enum IndicatorScope
{
    Network = 1,
    Hashes = 2,
    All = Network | Hashes,
}

/// <summary>Finds the URLs, host names, addresses and hashes in free text (a log line, a diff, a command line) and looks each up.</summary>
/// <remarks>
/// Two vectorized passes over the whole text, no per-line work and no regular expression. Network values: only a token holding
/// a <c>.</c> or <c>:</c> can be one, so the pass jumps from one such character to the next (<see cref="SearchValues{T}"/>),
/// cuts the token around it at white space, quotes and brackets, and looks it up (a URL: its canonical form when some URL
/// indicator is on its host, then its host; otherwise a host name with its parent domains, or an IPv4 address). Hashes: any
/// run of 32 or more hex digits holds a position that is a multiple of 32, so the pass probes one character in 32 and widens
/// only where it finds a hex digit; a run of exactly 32, 40 or 64 digits not glued to a letter is looked up (a
/// <c>sha256:</c>-style prefix is no obstacle). Lookups probe the index by span; nothing is allocated for a token that
/// matches nothing. A pass is skipped when the index holds nothing it could find. Stateless and thread-safe over a read-only index.
/// </remarks>
internal static class IndicatorScanner
{
    private const string BreakChars = " \t\r\n\"'`<>()[]{}|\\^,;\u00a0";
    private static readonly bool[] AsciiBreaks = BreakTable();
    private static readonly SearchValues<char> Anchors = SearchValues.Create(".:");
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly SearchValues<char> Ipv6Chars = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>Every match in the text, in the order found; a token yields at most one network match (a URL: its own indicator before its host's).</summary>
    public static void Scan(ReadOnlySpan<char> text, IndicatorIndex index, List<IndicatorMatch> found, IndicatorScope scope = IndicatorScope.All)
    {
        var first = found.Count;
        if ((scope & IndicatorScope.Network) != 0 && index.HasNetwork) Network(text, index, found);
        var hashesFrom = found.Count;
        if ((scope & IndicatorScope.Hashes) != 0 && index.HasHashes) Hashes(text, index, found);
        if (hashesFrom > first && found.Count > hashesFrom) found.Sort(first, found.Count - first, ByIndex.Instance);
    }

    /// <summary>Looks one field value up as the scanner would a token (a destination domain, an address, a URL, a hash).</summary>
    public static IndicatorMatch? Value(ReadOnlySpan<char> value, IndicatorIndex index)
    {
        value = value.Trim();
        if (index.Count == 0 || value.IsEmpty) return null;
        if (value.Length is 32 or 40 or 64 && !value.ContainsAnyExcept(Hex)) return index.Hash(value) is { } hash ? new IndicatorMatch(hash, value.ToString(), 0) : null;
        return NetworkToken(value, index);
    }

    private static void Network(ReadOnlySpan<char> text, IndicatorIndex index, List<IndicatorMatch> found)
    {
        var position = 0;
        while (position < text.Length)
        {
            var anchor = text[position..].IndexOfAny(Anchors);
            if (anchor < 0) return;
            anchor += position;
            // Tokens are short: a table test a character beats a vectorized search, whose set (with U+00A0) is not all ASCII.
            var start = anchor;
            while (start > 0 && !IsBreak(text[start - 1])) start--;
            var end = anchor + 1;
            while (end < text.Length && !IsBreak(text[end])) end++;
            position = end + 1;
            if (end - start >= 4 && NetworkToken(text[start..end], index) is { } match) found.Add(match with { Index = start + match.Index });
        }
    }

    private static void Hashes(ReadOnlySpan<char> text, IndicatorIndex index, List<IndicatorMatch> found)
    {
        for (var probe = 31; probe < text.Length; probe += 32)
        {
            if (!char.IsAsciiHexDigit(text[probe])) continue;
            var start = probe;
            while (start > 0 && char.IsAsciiHexDigit(text[start - 1])) start--;
            var end = probe + 1;
            while (end < text.Length && char.IsAsciiHexDigit(text[end])) end++;
            // The next probe past this run: runs are maximal, so no later probe can land in it again.
            while (probe + 32 < end) probe += 32;
            if (end - start is not (32 or 40 or 64)) continue;
            if ((start > 0 && char.IsAsciiLetter(text[start - 1])) || (end < text.Length && char.IsAsciiLetter(text[end]))) continue;
            var run = text[start..end];
            if (index.Hash(run) is { } hash) found.Add(new IndicatorMatch(hash, run.ToString(), start));
        }
    }

    private static bool IsBreak(char c) => c < 128 ? AsciiBreaks[c] : c == '\u00a0';

    private static bool[] BreakTable()
    {
        var table = new bool[128];
        foreach (var c in BreakChars)
        {
            if (c < 128) table[c] = true;
        }

        return table;
    }

    private static IndicatorMatch? NetworkToken(ReadOnlySpan<char> token, IndicatorIndex index)
    {
        token = token.TrimEnd(".,:;!?*");
        if (token.Length < 4) return null;
        var scheme = token.IndexOf("://");
        if (scheme > 0) return Url(token, scheme, index);

        var host = token;
        var at = host.LastIndexOf('@');
        if (at >= 0)
        {
            if (index.HasEmails && index.Email(host.ToString().ToLowerInvariant()) is { } email) return new IndicatorMatch(email, host.ToString(), 0);
            host = host[(at + 1)..];
        }

        var slash = host.IndexOf('/');
        if (slash >= 0) host = host[..slash];
        var colon = host.IndexOf(':');
        if (colon >= 0)
        {
            // Several colons: an IPv6 address (or a time of day, a prefixed digest: the hash pass has those).
            if (colon != host.LastIndexOf(':'))
            {
                return index.HasIpv6 && !host.ContainsAnyExcept(Ipv6Chars) && IPAddress.TryParse(host, out var v6) && index.Ip(v6) is { } ip6
                    ? new IndicatorMatch(ip6, host.ToString(), 0)
                    : null;
            }

            host = host[..colon];
        }

        return Host(host, index) is { } found ? new IndicatorMatch(found.Indicator, found.Ip ? host.ToString() : host.ToString().ToLowerInvariant(), 0) : null;
    }

    // A host name (with its parent domains) or a dotted-quad address; a name whose last label has no letter is neither.
    private static (Indicator Indicator, bool Ip)? Host(ReadOnlySpan<char> host, IndicatorIndex index)
    {
        host = host.TrimEnd('.');
        if (host.Length < 4) return null;
        var dot = host.LastIndexOf('.');
        if (dot < 0 || !IsHostText(host)) return null;
        if (!host[(dot + 1)..].ContainsAnyExcept("0123456789")) return Ipv4(host) is { } v4 && index.Ipv4(v4) is { } ip ? (ip, true) : null;
        return index.Domain(host) is { } domain ? (domain, false) : null;
    }

    // Only ASCII letters, digits, '.', '-' and '_'. A plain loop, not SearchValues<char>.ContainsAnyExcept: a host is a few dozen
    // characters, and the framework's vectorized search for this set is generic code in no ReadyToRun image (a history scan ran
    // it jitted, at tier 0 for much of the scan, once per host-like token of every added line).
    private static bool IsHostText(ReadOnlySpan<char> host)
    {
        foreach (var c in host)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_')) return false;
        }

        return true;
    }

    private static IndicatorMatch? Url(ReadOnlySpan<char> token, int scheme, IndicatorIndex index)
    {
        var start = scheme;
        while (start > 0 && char.IsAsciiLetter(token[start - 1])) start--;
        var url = token[start..];
        var authority = url[(scheme - start + 3)..];
        var end = authority.IndexOfAny('/', '?', '#');
        if (end >= 0) authority = authority[..end];
        var at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (Listed(url, index) is { } listed6) return new IndicatorMatch(listed6, url.ToString(), start);
            return close > 0 && IPAddress.TryParse(authority[1..close], out var v6) && index.Ip(v6) is { } ip6 ? new IndicatorMatch(ip6, url.ToString(), start) : null;
        }

        var colon = authority.IndexOf(':');
        if (colon >= 0) authority = authority[..colon];
        // Canonicalizing a URL costs a Uri parse: only for a host that some URL indicator is on (or one that is not plain ASCII).
        if (index.HasUrls && (index.IsUrlHost(authority.TrimEnd('.')) || !Ascii.IsValid(authority)) && Listed(url, index) is { } listed)
        {
            return new IndicatorMatch(listed, url.ToString(), start);
        }

        return Host(authority, index) is { } host ? new IndicatorMatch(host.Indicator, url.ToString(), start) : null;
    }

    private static Indicator? Listed(ReadOnlySpan<char> url, IndicatorIndex index) =>
        index.HasUrls && IndicatorValues.Url(url.ToString()) is { } canonical ? index.Url(canonical) : null;

    /// <summary>A dotted-quad IPv4 address as a number (big-endian byte order); null when the text is not exactly one.</summary>
    public static uint? Ipv4(ReadOnlySpan<char> text)
    {
        uint value = 0;
        var parts = 0;
        var i = 0;
        while (i < text.Length)
        {
            var octet = 0;
            var digits = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                octet = (octet * 10) + (text[i++] - '0');
                if (++digits > 3 || octet > 255) return null;
            }

            if (digits == 0) return null;
            value = (value << 8) | (uint)octet;
            parts++;
            if (i == text.Length) break;
            if (text[i++] != '.' || parts == 4) return null;
        }

        return parts == 4 ? value : null;
    }

    private sealed class ByIndex : IComparer<IndicatorMatch>
    {
        public static readonly ByIndex Instance = new();

        public int Compare(IndicatorMatch? x, IndicatorMatch? y) => (x?.Index ?? -1).CompareTo(y?.Index ?? -1);
    }
}
