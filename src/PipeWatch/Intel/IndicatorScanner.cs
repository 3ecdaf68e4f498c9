using System.Buffers;
using System.Net;
using System.Text;

namespace PipeWatch.Intel;

/// <summary>One indicator found in a text or a field: the indicator, what was seen, and where.</summary>
/// <param name="Indicator">The indicator matched.</param>
/// <param name="Observed">The value as seen (a subdomain of a domain indicator, an address in a block, a URL on a listed host).</param>
/// <param name="Index">Where in the text it starts; 0 for a field.</param>
internal readonly record struct IndicatorMatch(Indicator Indicator, string Observed, int Index);

/// <summary>Finds the URLs, host names, addresses and hashes in free text (a log line, a diff, a command line) and looks each up.</summary>
/// <remarks>
/// The text is cut into tokens at white space, quotes and brackets; a token with <c>://</c> is a URL (its canonical form and its
/// host are looked up), one of 32, 40 or 64 hex digits (also after a <c>sha256:</c>-style prefix) a hash, one with dots an IPv4
/// address (with an optional port) or a host name (with its parent domains). Nothing is allocated for a token that matches
/// nothing but a URL's canonical form. Stateless and thread-safe over a read-only index.
/// </remarks>
internal static class IndicatorScanner
{
    private static readonly SearchValues<char> Breaks = SearchValues.Create(" \t\r\n\"'`<>()[]{}|\\^,;\u00a0");
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly SearchValues<char> HostChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
    private static readonly SearchValues<char> Interesting = SearchValues.Create(".:");

    /// <summary>Every match in the text, in order; a token yields at most one (a URL: its own indicator before its host's).</summary>
    public static void Scan(ReadOnlySpan<char> text, IndicatorIndex index, List<IndicatorMatch> found)
    {
        if (index.Count == 0) return;
        var offset = 0;
        while (offset < text.Length)
        {
            var rest = text[offset..];
            var start = rest.IndexOfAnyExcept(Breaks);
            if (start < 0) return;
            rest = rest[start..];
            var length = rest.IndexOfAny(Breaks);
            if (length < 0) length = rest.Length;
            var token = rest[..length];
            var at = offset + start;
            offset = at + length;
            if (token.Length >= 4 && Token(token, index) is { } match) found.Add(match with { Index = at + match.Index });
        }
    }

    /// <summary>Looks one field value up as the scanner would a token (a destination domain, an address, a URL, a hash).</summary>
    public static IndicatorMatch? Value(ReadOnlySpan<char> value, IndicatorIndex index) =>
        index.Count == 0 || value.IsEmpty ? null : Token(value.Trim(), index);

    private static IndicatorMatch? Token(ReadOnlySpan<char> token, IndicatorIndex index)
    {
        token = token.TrimEnd(".,:;!?*");
        if (token.Length < 4) return null;
        if (!token.ContainsAny(Interesting))
        {
            return token.Length is 32 or 40 or 64 && !token.ContainsAnyExcept(Hex) && index.Hash(token) is { } hash ? new IndicatorMatch(hash, token.ToString(), 0) : null;
        }

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
            var last = host.LastIndexOf(':');
            if (colon != last)
            {
                // Several colons: an IPv6 address, or a prefixed digest (sha256:…) after a name.
                if (IPAddress.TryParse(host, out var v6) && index.Ip(v6) is { } ip6) return new IndicatorMatch(ip6, host.ToString(), 0);
                return Digest(host[(last + 1)..], token, index);
            }

            if (Digest(host[(colon + 1)..], token, index) is { } digest) return digest;
            host = host[..colon];
        }

        if (host.Length < 4 || host.IndexOf('.') < 0 || host.ContainsAnyExcept(HostChars)) return null;
        if (Ipv4(host) is { } v4) return index.Ipv4(v4) is { } ip ? new IndicatorMatch(ip, host.ToString(), 0) : null;
        return index.Domain(host) is { } domain ? new IndicatorMatch(domain, host.ToString().ToLowerInvariant(), 0) : null;
    }

    private static IndicatorMatch? Digest(ReadOnlySpan<char> hex, ReadOnlySpan<char> token, IndicatorIndex index) =>
        hex.Length is 32 or 40 or 64 && !hex.ContainsAnyExcept(Hex) && index.Hash(hex) is { } hash ? new IndicatorMatch(hash, token.ToString(), 0) : null;

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

        if (authority.IsEmpty || authority.ContainsAnyExcept(HostChars)) return null;
        if (Ipv4(authority) is { } v4) return index.Ipv4(v4) is { } ip ? new IndicatorMatch(ip, url.ToString(), start) : null;
        return index.Domain(authority) is { } domain ? new IndicatorMatch(domain, url.ToString(), start) : null;
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
}
