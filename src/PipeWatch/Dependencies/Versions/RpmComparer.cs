namespace PipeWatch.Dependencies.Versions;

/// <summary>RPM version order (<c>[epoch:]version[-release]</c>): epoch, then version, then release, each by <c>rpmvercmp</c>.</summary>
/// <remarks>
/// <c>rpmvercmp</c> splits on runs of characters that are not ASCII letters or digits, compares digit runs as numbers and letter
/// runs as text, a digit run above a letter run; <c>~</c> sorts before everything (even the end), <c>^</c> after the end but
/// before anything else. A missing epoch is 0; a version without a release sorts before the same version with one.
/// </remarks>
internal sealed class RpmComparer : IComparer<string>
{
    public static RpmComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = Split(x ?? "");
        var b = Split(y ?? "");
        var c = VerCmp(a.Epoch, b.Epoch);
        if (c != 0) return c;
        c = VerCmp(a.Version, b.Version);
        if (c != 0) return c;
        if (a.Release is null || b.Release is null) return (a.Release is null ? 0 : 1) - (b.Release is null ? 0 : 1);
        return VerCmp(a.Release, b.Release);
    }

    private static (string Epoch, string Version, string? Release) Split(string v)
    {
        var colon = v.IndexOf(':', StringComparison.Ordinal);
        var epoch = colon < 0 ? "0" : v[..colon];
        var rest = colon < 0 ? v : v[(colon + 1)..];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? (epoch, rest, null) : (epoch, rest[..dash], rest[(dash + 1)..]);
    }

    /// <summary>rpm's <c>rpmvercmp</c> on one field.</summary>
    public static int VerCmp(string a, string b)
    {
        if (a == b) return 0;
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            while (i < a.Length && !char.IsAsciiLetterOrDigit(a[i]) && a[i] is not ('~' or '^')) i++;
            while (j < b.Length && !char.IsAsciiLetterOrDigit(b[j]) && b[j] is not ('~' or '^')) j++;
            var ac = i < a.Length ? a[i] : '\0';
            var bc = j < b.Length ? b[j] : '\0';

            // A tilde sorts before everything, the end of the string included.
            if (ac == '~' || bc == '~')
            {
                if (ac != '~') return 1;
                if (bc != '~') return -1;
                i++;
                j++;
                continue;
            }

            // A caret sorts after the end of the string, but before anything else.
            if (ac == '^' || bc == '^')
            {
                if (ac == '\0') return -1;
                if (bc == '\0') return 1;
                if (ac != '^') return 1;
                if (bc != '^') return -1;
                i++;
                j++;
                continue;
            }

            if (ac == '\0' || bc == '\0') break;
            var numeric = char.IsAsciiDigit(ac);
            var si = i;
            var sj = j;
            while (i < a.Length && (numeric ? char.IsAsciiDigit(a[i]) : char.IsAsciiLetter(a[i]))) i++;
            while (j < b.Length && (numeric ? char.IsAsciiDigit(b[j]) : char.IsAsciiLetter(b[j]))) j++;

            // Segments of different types: the numeric one is newer.
            if (j == sj) return numeric ? 1 : -1;
            var c = numeric
                ? VersionText.CompareDigits(a.AsSpan(si, i - si), b.AsSpan(sj, j - sj))
                : Math.Sign(a.AsSpan(si, i - si).SequenceCompareTo(b.AsSpan(sj, j - sj)));
            if (c != 0) return c;
        }

        var aEnd = i >= a.Length;
        var bEnd = j >= b.Length;
        if (aEnd && bEnd) return 0;
        return aEnd ? -1 : 1;
    }
}
