using NuGet.Versioning;

namespace PipeWatch.Dependencies.Versions;

/// <summary>NuGet version precedence by NuGet.Versioning (four-part versions, case-insensitive pre-release labels, metadata ignored).</summary>
internal sealed class NuGetVersionComparer : IComparer<string>
{
    public static NuGetVersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var okX = NuGetVersion.TryParse(x, out var a);
        var okY = NuGetVersion.TryParse(y, out var b);
        // A string NuGet cannot parse sorts below every version, among its kind by ordinal.
        if (okX && okY) return Math.Sign(VersionComparer.Default.Compare(a, b));
        if (okX != okY) return okX ? 1 : -1;
        return Math.Sign(string.CompareOrdinal(x, y));
    }
}
