namespace PipeWatch.Dependencies.Versions;

/// <summary>Semantic Versioning 2.0.0 precedence (npm, crates.io, Go, and OSV's SEMVER ranges): a leading 'v' is allowed, build metadata ignored.</summary>
/// <remarks>
/// Pre-release identifiers compare numerically when both are digits, by ordinal otherwise, and a numeric one is lower.
/// Missing core parts count as 0 and parts past the third are ignored, as OSV does for loose tags like <c>v4</c>.
/// Works on spans of the two strings and allocates nothing: matching a lockfile compares each package with its advisories' events.
/// </remarks>
internal sealed class SemverComparer : IComparer<string>
{
    public static SemverComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        Split(x, out var aCore, out var aPre, out var aHasPre);
        Split(y, out var bCore, out var bPre, out var bHasPre);
        for (var i = 0; i < 3; i++)
        {
            var c = CompareCore(CorePart(aCore, i), CorePart(bCore, i));
            if (c != 0) return c;
        }

        // A version without a pre-release is higher than one with.
        if (!aHasPre || !bHasPre) return !aHasPre ? (!bHasPre ? 0 : 1) : -1;
        bool aMore = true, bMore = true;
        while (aMore && bMore)
        {
            var a = NextPart(ref aPre, ref aMore);
            var b = NextPart(ref bPre, ref bMore);
            var an = VersionText.IsDigits(a);
            var bn = VersionText.IsDigits(b);
            var c = an && bn ? VersionText.CompareDigits(a, b) : an ? -1 : bn ? 1 : Math.Sign(a.SequenceCompareTo(b));
            if (c != 0) return c;
        }

        // Equal up to the shorter one: more identifiers is higher.
        return aMore == bMore ? 0 : aMore ? 1 : -1;
    }

    private static int CompareCore(ReadOnlySpan<char> a, ReadOnlySpan<char> b) =>
        VersionText.IsDigits(a) && VersionText.IsDigits(b) ? VersionText.CompareDigits(a, b) : Math.Sign(a.SequenceCompareTo(b));

    /// <summary>The <paramref name="index"/>-th dot-separated part of the core ("0" past the last part or for an empty core; an empty part stays empty).</summary>
    private static ReadOnlySpan<char> CorePart(ReadOnlySpan<char> core, int index)
    {
        if (core.IsEmpty) return "0";
        for (var i = 0; i < index; i++)
        {
            var dot = core.IndexOf('.');
            if (dot < 0) return "0";
            core = core[(dot + 1)..];
        }

        var end = core.IndexOf('.');
        return end < 0 ? core : core[..end];
    }

    /// <summary>The next dot-separated identifier, consumed; <paramref name="more"/> turns false after the last.</summary>
    private static ReadOnlySpan<char> NextPart(ref ReadOnlySpan<char> rest, ref bool more)
    {
        var dot = rest.IndexOf('.');
        if (dot < 0)
        {
            var last = rest;
            rest = [];
            more = false;
            return last;
        }

        var part = rest[..dot];
        rest = rest[(dot + 1)..];
        return part;
    }

    private static void Split(string? version, out ReadOnlySpan<char> core, out ReadOnlySpan<char> pre, out bool hasPre)
    {
        var v = (version ?? "").AsSpan().Trim().TrimStart('=');
        if (v.Length > 0 && v[0] is 'v' or 'V') v = v[1..];
        var plus = v.IndexOf('+');
        if (plus >= 0) v = v[..plus];
        var dash = v.IndexOf('-');
        hasPre = dash >= 0;
        pre = hasPre ? v[(dash + 1)..] : [];
        core = hasPre ? v[..dash] : v;
    }
}
