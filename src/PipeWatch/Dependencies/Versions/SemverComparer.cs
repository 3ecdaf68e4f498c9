namespace PipeWatch.Dependencies.Versions;

/// <summary>Semantic Versioning 2.0.0 precedence (npm, crates.io, Go, and OSV's SEMVER ranges): a leading 'v' is allowed, build metadata ignored.</summary>
/// <remarks>
/// Pre-release identifiers compare numerically when both are digits, by ordinal otherwise, and a numeric one is lower.
/// Missing core parts count as 0 and parts past the third are ignored, as OSV does for loose tags like <c>v4</c>.
/// </remarks>
public sealed class SemverComparer : IComparer<string>
{
    public static SemverComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = Split(x ?? "");
        var b = Split(y ?? "");
        for (var i = 0; i < 3; i++)
        {
            var c = CompareCore(a.Core.Length > i ? a.Core[i] : "0", b.Core.Length > i ? b.Core[i] : "0");
            if (c != 0) return c;
        }

        // A version without a pre-release is higher than one with.
        if (a.Pre is null || b.Pre is null) return a.Pre is null ? (b.Pre is null ? 0 : 1) : -1;
        var ap = a.Pre.Split('.');
        var bp = b.Pre.Split('.');
        for (var i = 0; i < Math.Min(ap.Length, bp.Length); i++)
        {
            var an = VersionText.IsDigits(ap[i]);
            var bn = VersionText.IsDigits(bp[i]);
            var c = an && bn ? VersionText.CompareDigits(ap[i], bp[i]) : an ? -1 : bn ? 1 : Math.Sign(string.CompareOrdinal(ap[i], bp[i]));
            if (c != 0) return c;
        }

        return ap.Length.CompareTo(bp.Length);
    }

    private static int CompareCore(string a, string b) =>
        VersionText.IsDigits(a) && VersionText.IsDigits(b) ? VersionText.CompareDigits(a, b) : Math.Sign(string.CompareOrdinal(a, b));

    private static (string[] Core, string? Pre) Split(string version)
    {
        var v = version.Trim().TrimStart('=');
        if (v.StartsWith('v') || v.StartsWith('V')) v = v[1..];
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0) v = v[..plus];
        var dash = v.IndexOf('-', StringComparison.Ordinal);
        var pre = dash >= 0 ? v[(dash + 1)..] : null;
        var core = dash >= 0 ? v[..dash] : v;
        return (core.Length == 0 ? [] : core.Split('.'), pre);
    }
}
