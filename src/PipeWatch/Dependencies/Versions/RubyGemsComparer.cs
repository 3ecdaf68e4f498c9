using System.Text.RegularExpressions;

namespace PipeWatch.Dependencies.Versions;

/// <summary>RubyGems version precedence (Gem::Version): numeric and letter segments, a letter segment marks a pre-release, trailing zeros ignored.</summary>
internal sealed partial class RubyGemsComparer : IComparer<string>
{
    public static RubyGemsComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = Canonical(x ?? "");
        var b = Canonical(y ?? "");
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var l = i < a.Count ? a[i] : "0";
            var r = i < b.Count ? b[i] : "0";
            var ln = VersionText.IsDigits(l);
            var rn = VersionText.IsDigits(r);
            var c = ln && rn ? VersionText.CompareDigits(l, r) : ln ? 1 : rn ? -1 : Math.Sign(string.CompareOrdinal(l, r));
            if (c != 0) return c;
        }

        return 0;
    }

    /// <summary>The segments with trailing zeros dropped from the numeric part and from the part from the first letter segment on.</summary>
    private static List<string> Canonical(string version)
    {
        var segments = Segment().Matches(version.Trim().Replace("-", ".pre.", StringComparison.Ordinal)).Select(m => m.Value).ToList();
        var firstString = segments.FindIndex(s => !VersionText.IsDigits(s));
        var numeric = firstString < 0 ? segments : segments[..firstString];
        var rest = firstString < 0 ? [] : segments[firstString..];
        return [.. TrimZeros(numeric), .. TrimZeros(rest)];
    }

    private static IEnumerable<string> TrimZeros(List<string> part)
    {
        var end = part.Count;
        while (end > 0 && VersionText.IsDigits(part[end - 1]) && part[end - 1].TrimStart('0').Length == 0) end--;
        return part.Take(end);
    }

    [GeneratedRegex("[0-9]+|[a-z]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Segment();
}
