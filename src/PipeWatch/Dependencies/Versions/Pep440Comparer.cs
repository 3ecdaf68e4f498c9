using System.Text.RegularExpressions;

namespace PipeWatch.Dependencies.Versions;

/// <summary>Python version precedence per PEP 440: epochs, release, pre (a/b/rc), post, dev and local segments, with the spelling normalisations.</summary>
/// <remarks>A string that is not a PEP 440 version sorts below every valid one (as legacy versions did), among its kind by ordinal.</remarks>
internal sealed partial class Pep440Comparer : IComparer<string>
{
    public static Pep440Comparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = Parse(x ?? "");
        var b = Parse(y ?? "");
        if (a is null || b is null) return a is null ? (b is null ? Math.Sign(string.CompareOrdinal(x, y)) : -1) : 1;
        var c = a.Epoch.CompareTo(b.Epoch);
        if (c != 0) return Math.Sign(c);
        for (var i = 0; i < Math.Max(a.Release.Length, b.Release.Length); i++)
        {
            c = VersionText.CompareDigits(i < a.Release.Length ? a.Release[i] : "0", i < b.Release.Length ? b.Release[i] : "0");
            if (c != 0) return c;
        }

        c = a.PreKey.CompareTo(b.PreKey);
        if (c != 0) return Math.Sign(c);
        c = a.Post.CompareTo(b.Post);
        if (c != 0) return Math.Sign(c);
        c = a.Dev.CompareTo(b.Dev);
        if (c != 0) return Math.Sign(c);
        return CompareLocal(a.Local, b.Local);
    }

    private static int CompareLocal(string[]? a, string[]? b)
    {
        if (a is null || b is null) return a is null ? (b is null ? 0 : -1) : 1;
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var an = VersionText.IsDigits(a[i]);
            var bn = VersionText.IsDigits(b[i]);
            // Numeric local segments are higher than alphanumeric ones.
            var c = an && bn ? VersionText.CompareDigits(a[i], b[i]) : an ? 1 : bn ? -1 : Math.Sign(string.CompareOrdinal(a[i], b[i]));
            if (c != 0) return c;
        }

        return a.Length.CompareTo(b.Length);
    }

    private static Parsed? Parse(string text)
    {
        var m = Pattern().Match(text.Trim().ToLowerInvariant());
        if (!m.Success) return null;
        var epoch = m.Groups["epoch"].Success ? long.Parse(m.Groups["epoch"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var release = m.Groups["release"].Value.Split('.');
        var hasPre = m.Groups["pre_l"].Success;
        var hasPost = m.Groups["post_l"].Success || m.Groups["post_n1"].Success;
        var hasDev = m.Groups["dev_l"].Success;
        // Pre-release key: a dev release of the final sorts before its pre-releases; no pre-release sorts after them.
        (int, decimal) preKey = hasPre
            ? (Letter(m.Groups["pre_l"].Value), Number(m.Groups["pre_n"]))
            : !hasPost && hasDev ? (-1, 0) : (9, 0);
        var post = hasPost ? Number(m.Groups["post_n1"].Success ? m.Groups["post_n1"] : m.Groups["post_n2"]) : -1;
        var dev = hasDev ? Number(m.Groups["dev_n"]) : decimal.MaxValue;
        var local = m.Groups["local"].Success ? m.Groups["local"].Value.Split('.', '_', '-') : null;
        return new Parsed(epoch, release, preKey, post, dev, local);
    }

    private static int Letter(string l) => l switch
    {
        "a" or "alpha" => 0,
        "b" or "beta" => 1,
        _ => 2, // c, rc, pre, preview
    };

    private static decimal Number(Group g) =>
        g.Success && g.Value.Length > 0 ? decimal.Parse(g.Value.Length > 28 ? g.Value[..28] : g.Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    // The PEP 440 appendix's pattern, in .NET syntax.
    [GeneratedRegex(@"^v?(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)(?:[-_\.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?<pre_n>[0-9]+)?)?(?:-(?<post_n1>[0-9]+)|[-_\.]?(?<post_l>post|rev|r)[-_\.]?(?<post_n2>[0-9]+)?)?(?:[-_\.]?(?<dev_l>dev)[-_\.]?(?<dev_n>[0-9]+)?)?(?:\+(?<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    private sealed record Parsed(long Epoch, string[] Release, (int, decimal) PreKey, decimal Post, decimal Dev, string[]? Local);
}
