using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Popular package names per ecosystem (the embedded <c>popular-packages.tsv</c>) and the one-edit typosquat test against them.</summary>
/// <remarks>
/// A name that is itself among the most downloaded of its registry (the embedded <c>well-known-packages.tsv</c>, made from download
/// ranks by <c>make-well-known-packages.py</c>) imitates nothing: <c>ijson</c> is one edit from <c>ujson</c> and popular in its own right.
/// </remarks>
internal sealed class PopularPackages
{
    private readonly Lazy<Sets> _sets;

    public PopularPackages(IEnumerable<(string Ecosystem, string Name)> names, IEnumerable<(string Ecosystem, string Name)>? wellKnown = null)
    {
        _sets = new Lazy<Sets>(new Sets(ByEcosystem(names), ByEcosystem(wellKnown ?? [])));
    }

    // The built-in lists are read on the first question: every scan builds this detector, and most histories add no dependency.
    private PopularPackages(Func<Sets> load) => _sets = new Lazy<Sets>(load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The built-in list shipped with PipeWatch, read from the assembly when first asked.</summary>
    public static PopularPackages BuiltIn { get; } = new(() => new Sets(
        ByEcosystem(Read("PipeWatch.popular-packages.tsv")), ByEcosystem(Read("PipeWatch.well-known-packages.tsv"))));

    public int Count => _sets.Value.ByEcosystem.Values.Sum(s => s.Count);

    /// <summary>The popular name <paramref name="name"/> imitates (one insertion, deletion, substitution or swap away, ignoring an npm scope), or null.</summary>
    /// <remarks>Names under five characters are not checked: too many short names are one edit apart by chance.</remarks>
    public string? Imitated(string ecosystem, string name)
    {
        var (byEcosystem, wellKnown) = _sets.Value;
        if (!byEcosystem.TryGetValue(ecosystem, out var popular)) return null;
        var normalized = PackageNames.Normalize(ecosystem, name);
        if (popular.Contains(normalized) || normalized.Length < 5) return null;
        if (wellKnown.TryGetValue(ecosystem, out var known) && known.Contains(normalized)) return null;
        foreach (var candidate in popular)
        {
            if (candidate.Length >= 5 && OneEditApart(normalized, candidate)) return candidate;
        }

        return null;
    }

    /// <summary>True when <paramref name="a"/> becomes <paramref name="b"/> by one insertion, deletion, substitution or swap of adjacent characters.</summary>
    public static bool OneEditApart(string a, string b)
    {
        if (a == b || Math.Abs(a.Length - b.Length) > 1) return false;
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        if (a.Length == b.Length)
        {
            if (a.AsSpan(i + 1).SequenceEqual(b.AsSpan(i + 1))) return true;
            return i + 1 < a.Length && a[i] == b[i + 1] && a[i + 1] == b[i] && a.AsSpan(i + 2).SequenceEqual(b.AsSpan(i + 2));
        }

        return a.Length > b.Length ? a.AsSpan(i + 1).SequenceEqual(b.AsSpan(i)) : a.AsSpan(i).SequenceEqual(b.AsSpan(i + 1));
    }

    private static Dictionary<string, HashSet<string>> ByEcosystem(IEnumerable<(string Ecosystem, string Name)> names) =>
        names
            .GroupBy(n => n.Ecosystem, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(n => PackageNames.Normalize(g.Key, n.Name)).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    private sealed record Sets(Dictionary<string, HashSet<string>> ByEcosystem, Dictionary<string, HashSet<string>> WellKnown);

    // Lines of 'ecosystem<TAB>name[<TAB>…]'; '#' starts a comment line.
    private static List<(string, string)> Read(string resource)
    {
        using var stream = typeof(PopularPackages).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        var names = new List<(string, string)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split('\t');
            if (fields.Length >= 2 && fields[0].Length > 0) names.Add((fields[0], fields[1].Trim()));
        }

        return names;
    }
}
