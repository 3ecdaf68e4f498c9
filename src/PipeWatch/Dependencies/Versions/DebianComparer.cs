namespace PipeWatch.Dependencies.Versions;

/// <summary>Debian package version precedence as dpkg defines it: epoch, upstream and revision, '~' before everything, letters before other characters.</summary>
internal sealed class DebianComparer : IComparer<string>
{
    public static DebianComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = Split(x ?? "");
        var b = Split(y ?? "");
        var c = VersionText.CompareDigits(a.Epoch, b.Epoch);
        if (c != 0) return c;
        c = Fragment(a.Upstream, b.Upstream);
        return c != 0 ? c : Fragment(a.Revision, b.Revision);
    }

    private static (string Epoch, string Upstream, string Revision) Split(string v)
    {
        v = v.Trim();
        var colon = v.IndexOf(':', StringComparison.Ordinal);
        var epoch = colon > 0 && VersionText.IsDigits(v.AsSpan(0, colon)) ? v[..colon] : "0";
        if (colon > 0) v = v[(colon + 1)..];
        var dash = v.LastIndexOf('-');
        return dash >= 0 ? (epoch, v[..dash], v[(dash + 1)..]) : (epoch, v, "0");
    }

    private static int Order(char c) =>
        char.IsAsciiDigit(c) ? 0 : char.IsAsciiLetter(c) ? c : c == '~' ? -1 : c + 256;

    private static int Fragment(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            // The non-digit run, character by character (an exhausted side orders as 0).
            while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
            {
                var ac = i < a.Length && !char.IsAsciiDigit(a[i]) ? Order(a[i]) : 0;
                var bc = j < b.Length && !char.IsAsciiDigit(b[j]) ? Order(b[j]) : 0;
                if (ac != bc) return Math.Sign(ac - bc);
                if (i < a.Length && !char.IsAsciiDigit(a[i])) i++;
                if (j < b.Length && !char.IsAsciiDigit(b[j])) j++;
            }

            var si = i;
            while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
            var sj = j;
            while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
            var c = VersionText.CompareDigits(a.AsSpan(si, i - si), b.AsSpan(sj, j - sj));
            if (c != 0) return c;
        }

        return 0;
    }
}
