using System.Globalization;
using System.Text;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The pieces of strace's output syntax the agent reads: argument lists, quoted C strings, socket addresses and fd decorations.</summary>
/// <remarks>Pure functions over one line; never throw on malformed text (they return null or empty instead).</remarks>
internal static class StraceSyntax
{
    /// <summary>Splits the text between a call's parentheses at its top-level commas, respecting quotes and brackets; null when the closing parenthesis is missing.</summary>
    /// <param name="text">Everything after the opening parenthesis.</param>
    /// <param name="rest">What follows the closing parenthesis (" = 0", " = -1 ENOENT (…)").</param>
    public static List<string>? SplitArguments(string text, out string rest)
    {
        var args = new List<string>();
        var depth = 0;
        var inString = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }

            switch (c)
            {
                case '"': inString = true; break;
                case '(' or '[' or '{': depth++; break;
                case ']' or '}': depth--; break;
                case ')' when depth > 0: depth--; break;
                case ')':
                    if (i > start || args.Count > 0) args.Add(text[start..i].Trim());
                    rest = text[(i + 1)..];
                    return args;
                case ',' when depth == 0:
                    args.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        rest = string.Empty;
        return null;
    }

    /// <summary>The number a call returned (the text after " = "), or null for "?" and unparsable results.</summary>
    public static long? Result(string rest, out string? error)
    {
        error = null;
        var eq = rest.IndexOf(" = ", StringComparison.Ordinal);
        if (eq < 0) return null;
        var text = rest[(eq + 3)..].Trim();
        var space = text.IndexOf(' ');
        var number = space < 0 ? text : text[..space];
        // A returned fd is decorated with -yy ("= 3</tmp/job/hosts>"): the number is before the '<'.
        if (number.IndexOf('<', StringComparison.Ordinal) is var decoration and > 0) number = number[..decoration];
        if (space > 0)
        {
            var after = text[(space + 1)..];
            var end = after.IndexOf(' ');
            error = end < 0 ? after : after[..end];
        }

        return number.StartsWith("0x", StringComparison.Ordinal)
            ? long.TryParse(number.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) ? hex : null
            : long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>The bytes of a quoted C string as strace prints it ("\0224\1\0foo", with \n, \t, \xHH and octal escapes); null when not a quoted string.</summary>
    public static byte[]? Bytes(string quoted)
    {
        var text = quoted.Trim();
        if (text.Length < 2 || text[0] != '"') return null;
        var bytes = new List<byte>(text.Length);
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"') return [.. bytes];
            if (c != '\\' || i + 1 >= text.Length)
            {
                if (c < 0x80) bytes.Add((byte)c);
                else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }

            var e = text[++i];
            switch (e)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'v': bytes.Add((byte)'\v'); break;
                case 'f': bytes.Add((byte)'\f'); break;
                case 'x' when i + 2 < text.Length && byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex):
                    bytes.Add(hex);
                    i += 2;
                    break;
                case >= '0' and <= '7':
                    var value = 0;
                    var digits = 0;
                    while (digits < 3 && i < text.Length && text[i] is >= '0' and <= '7')
                    {
                        value = (value * 8) + (text[i] - '0');
                        i++;
                        digits++;
                    }

                    i--;
                    bytes.Add((byte)value);
                    break;
                default: bytes.Add((byte)e); break;
            }
        }

        return null;
    }

    /// <summary>A quoted C string as text (UTF-8), or null.</summary>
    public static string? String(string quoted) => Bytes(quoted) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>The strings of an argv array (["curl", "-s", …]); a trailing "..." (strace's cut) is left out.</summary>
    public static List<string> StringArray(string array)
    {
        var text = array.Trim();
        var list = new List<string>();
        if (text.Length < 2 || text[0] != '[') return list;
        // Brackets inside strings are safe: quoted text is skipped, and only the outer ']' closes the list.
        var items = SplitArguments(ReplaceClosingBracket(text[1..]), out _) ?? [];
        foreach (var item in items)
        {
            if (String(item) is { } s) list.Add(s);
        }

        return list;
    }

    /// <summary>A socket address struct ({sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("1.2.3.4")}) as IP and port; null for other families.</summary>
    public static (string Ip, int Port, bool V6)? SocketAddress(string text)
    {
        if (text.Contains("AF_INET6", StringComparison.Ordinal))
        {
            var port = Between(text, "sin6_port=htons(", ")");
            var ip = Between(text, "inet_pton(AF_INET6, \"", "\"");
            return port is not null && ip is not null && int.TryParse(port, CultureInfo.InvariantCulture, out var p6) ? (ip, p6, true) : null;
        }

        if (text.Contains("AF_INET", StringComparison.Ordinal))
        {
            var port = Between(text, "sin_port=htons(", ")");
            var ip = Between(text, "inet_addr(\"", "\"");
            return port is not null && ip is not null && int.TryParse(port, CultureInfo.InvariantCulture, out var p4) ? (ip, p4, false) : null;
        }

        return null;
    }

    /// <summary>What an fd decoration of <c>-yy</c> says: "TCP", "UDPv6", "UNIX-STREAM"…, and the peer address when connected ("5&lt;UDP:[10.0.0.2:4000->10.0.0.1:53]&gt;").</summary>
    public static (string Protocol, string? PeerIp, int? PeerPort) FdSocket(string fd)
    {
        var open = fd.IndexOf('<');
        var colon = open < 0 ? -1 : fd.IndexOf(':', open);
        if (open < 0 || colon < 0) return (string.Empty, null, null);
        var protocol = fd[(open + 1)..colon];
        var arrow = fd.IndexOf("->", colon, StringComparison.Ordinal);
        var close = fd.LastIndexOf(']');
        if (arrow < 0 || close < arrow) return (protocol, null, null);
        var peer = fd[(arrow + 2)..close];
        var lastColon = peer.LastIndexOf(':');
        if (lastColon <= 0 || !int.TryParse(peer.AsSpan(lastColon + 1), CultureInfo.InvariantCulture, out var port)) return (protocol, null, null);
        var ip = peer[..lastColon].Trim('[', ']');
        return (protocol, ip, port);
    }

    /// <summary>The number of an fd argument ("5&lt;TCP:[…]&gt;" → 5), or null (AT_FDCWD, -1, not a number).</summary>
    public static int? FdNumber(string fd)
    {
        var end = 0;
        while (end < fd.Length && char.IsAsciiDigit(fd[end])) end++;
        return end > 0 && int.TryParse(fd.AsSpan(0, end), CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    /// <summary>The path an fd is decorated with ("3&lt;/tmp/x/hosts&gt;", "AT_FDCWD&lt;/work&gt;" → the path); null when it has none.</summary>
    public static string? FdPath(string fd)
    {
        var open = fd.IndexOf('<');
        return open < 0 || !fd.EndsWith('>') ? null : fd[(open + 1)..^1];
    }

    /// <summary>Every quoted string that follows <paramref name="marker"/> in <paramref name="text"/> (the iov_base buffers of sendmsg/sendmmsg).</summary>
    public static IEnumerable<byte[]> QuotedAfter(string text, string marker)
    {
        var at = 0;
        while ((at = text.IndexOf(marker, at, StringComparison.Ordinal)) >= 0)
        {
            at += marker.Length;
            if (Bytes(text[at..]) is { } bytes) yield return bytes;
        }
    }

    private static string ReplaceClosingBracket(string text)
    {
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c == ']')
            {
                return string.Concat(text.AsSpan(0, i), ")");
            }
        }

        return text;
    }

    private static string? Between(string text, string before, string after)
    {
        var start = text.IndexOf(before, StringComparison.Ordinal);
        if (start < 0) return null;
        start += before.Length;
        var end = text.IndexOf(after, start, StringComparison.Ordinal);
        return end < 0 ? null : text[start..end];
    }
}
