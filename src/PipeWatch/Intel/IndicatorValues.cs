using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PipeWatch.Intel;

/// <summary>Refangs and normalizes indicator values, so that a feed's value and the same value seen in a log compare equal.</summary>
/// <remarks>
/// Hashes are lower-case hex of the kind's length; domains lower-case punycode without a trailing dot; IPs in .NET's canonical
/// text, CIDR blocks as their network address and prefix; URLs with a lower-case scheme and host, no default port and no fragment.
/// </remarks>
internal static class IndicatorValues
{
    /// <summary>The longest value read; longer ones are not indicators (a URL past 4 K is refused).</summary>
    public const int MaxLength = 4096;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly SearchValues<char> LabelChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_");

    private static readonly (string From, string To)[] Defangs =
    [
        ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("[:]", ":"), ("[://]", "://"), ("[/]", "/"),
        ("[@]", "@"), ("[at]", "@"), ("\\.", "."),
    ];

    /// <summary>The value with the usual defanging undone: <c>hxxp://</c>, <c>hxxps://</c>, <c>fxp://</c>, <c>[.]</c>, <c>(.)</c>, <c>[dot]</c>, <c>[:]</c>, <c>[@]</c>.</summary>
    public static string Refang(string value)
    {
        var text = value.Trim();
        if (text.Contains('[') || text.Contains('(') || text.Contains('{') || text.Contains('\\'))
        {
            foreach (var (from, to) in Defangs) text = text.Replace(from, to, StringComparison.OrdinalIgnoreCase);
        }

        if (text.StartsWith("hxxp", StringComparison.OrdinalIgnoreCase) || text.StartsWith("hXXp", StringComparison.Ordinal)) text = "http" + text[4..];
        else if (text.StartsWith("fxp://", StringComparison.OrdinalIgnoreCase)) text = "ftp" + text[3..];
        return text;
    }

    /// <summary>The refanged, normalized value for the kind; null when it is not a valid value of that kind.</summary>
    public static string? Normalize(IndicatorKind kind, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxLength) return null;
        var text = Refang(value);
        return kind switch
        {
            IndicatorKind.Sha256 => HashOf(text, 64),
            IndicatorKind.Sha1 => HashOf(text, 40),
            IndicatorKind.Md5 => HashOf(text, 32),
            IndicatorKind.Domain => Domain(text),
            IndicatorKind.Ip => Ip(text),
            IndicatorKind.Url => Url(text),
            IndicatorKind.Email => Email(text),
            _ => null,
        };
    }

    /// <summary>The kind a bare value (a line of a plain list) most likely is, and its normalized form; null when it is none.</summary>
    public static (IndicatorKind Kind, string Value)? Guess(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxLength) return null;
        var text = Refang(value);
        if (text.Contains("://", StringComparison.Ordinal)) return Url(text) is { } url ? (IndicatorKind.Url, url) : null;
        if (!text.AsSpan().ContainsAnyExcept(Hex))
        {
            var hash = text.Length switch { 64 => IndicatorKind.Sha256, 40 => IndicatorKind.Sha1, 32 => IndicatorKind.Md5, _ => (IndicatorKind?)null };
            if (hash is { } h) return (h, text.ToLowerInvariant());
        }

        if (Ip(text) is { } ip) return (IndicatorKind.Ip, ip);
        if (text.Contains('@')) return Email(text) is { } email ? (IndicatorKind.Email, email) : null;
        return Domain(text) is { } domain ? (IndicatorKind.Domain, domain) : null;
    }

    private static string? HashOf(string text, int length) =>
        text.Length == length && !text.AsSpan().ContainsAnyExcept(Hex) ? text.ToLowerInvariant() : null;

    /// <summary>A host name as a lower-case punycode domain of at least two labels, its last not numeric; null otherwise.</summary>
    public static string? Domain(string text)
    {
        var host = text.Trim().TrimEnd('.');
        if (host.StartsWith("*.", StringComparison.Ordinal)) host = host[2..];
        if (host.Length is 0 or > 253) return null;
        string ascii;
        try
        {
            ascii = Ascii.IsValid(host) ? host.ToLowerInvariant() : Idn.GetAscii(host).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        var labels = 0;
        var last = ReadOnlySpan<char>.Empty;
        foreach (var range in ascii.AsSpan().Split('.'))
        {
            var label = ascii.AsSpan(range);
            if (label.Length is 0 or > 63 || label.ContainsAnyExcept(LabelChars)) return null;
            labels++;
            last = label;
        }

        return labels >= 2 && last.ContainsAnyInRange('a', 'z') ? ascii : null;
    }

    /// <summary>An address in canonical text, or a CIDR block as its network address and prefix (a full-length prefix is the address alone).</summary>
    public static string? Ip(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(address, out var ip) || !LooksLikeIp(address, ip)) return null;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        var bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0) return ip.ToString();
        if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > bits) return null;
        if (prefix == bits) return ip.ToString();
        return $"{new IPNetwork(Mask(ip, prefix), prefix).BaseAddress}/{prefix.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The address with every bit after the prefix cleared.</summary>
    public static IPAddress Mask(IPAddress ip, int prefix)
    {
        var bytes = ip.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }

    // IPAddress.TryParse takes "1" and "1.2" as IPv4 shorthands; feeds and logs mean four dotted parts.
    private static bool LooksLikeIp(string text, IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 ? text.Contains(':') : text.AsSpan().Count('.') == 3;

    /// <summary>An absolute http(s)/ftp URL with a lower-case scheme and punycode host, no default port, no fragment; null otherwise.</summary>
    public static string? Url(string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ftp") || string.IsNullOrEmpty(uri.Host)) return null;
        var host = uri.HostNameType == UriHostNameType.Dns ? Domain(uri.IdnHost) ?? uri.IdnHost.ToLowerInvariant() : uri.Host.ToLowerInvariant();
        var port = uri.IsDefaultPort ? string.Empty : ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        return $"{uri.Scheme}://{host}{port}{uri.PathAndQuery}";
    }

    /// <summary>The host of a URL (domain or IP, normalized as such); null when it has none.</summary>
    public static (IndicatorKind Kind, string Value)? HostOf(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return null;
        return uri.HostNameType switch
        {
            UriHostNameType.IPv4 or UriHostNameType.IPv6 => Ip(uri.Host.Trim('[', ']')) is { } ip ? (IndicatorKind.Ip, ip) : null,
            _ => Domain(uri.IdnHost) is { } domain ? (IndicatorKind.Domain, domain) : null,
        };
    }

    private static string? Email(string text)
    {
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1 || text.AsSpan(0, at).ContainsAny(' ', '\t')) return null;
        return Domain(text[(at + 1)..]) is { } domain ? $"{text[..at].ToLowerInvariant()}@{domain}" : null;
    }
}
