namespace PipeWatch.Dependencies.Versions;

/// <summary>Comparisons every scheme shares: digit strings of any length, compared as numbers without overflow.</summary>
internal static class VersionText
{
    /// <summary>Compares two runs of ASCII digits numerically (leading zeros ignored, any length).</summary>
    public static int CompareDigits(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
        return Math.Sign(a.SequenceCompareTo(b));
    }

    public static bool IsDigits(ReadOnlySpan<char> s) => s.Length > 0 && !s.ContainsAnyExceptInRange('0', '9');
}
