using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Popular package names per ecosystem (the embedded <c>popular-packages.tsv</c>) and the one-edit typosquat test against them.</summary>
public sealed class PopularPackages
{
    private readonly Dictionary<string, HashSet<string>> _byEcosystem;

    public PopularPackages(IEnumerable<(string Ecosystem, string Name)> names)
    {
        _byEcosystem = names
            .GroupBy(n => n.Ecosystem, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(n => PackageNames.Normalize(g.Key, n.Name)).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>The built-in list shipped with PipeWatch.</summary>
    public static PopularPackages BuiltIn { get; } = Load();

    public int Count => _byEcosystem.Values.Sum(s => s.Count);

    /// <summary>The popular name <paramref name="name"/> imitates (one insertion, deletion, substitution or swap away, ignoring an npm scope), or null.</summary>
    /// <remarks>Names under five characters are not checked: too many short names are one edit apart by chance.</remarks>
    public string? Imitated(string ecosystem, string name)
    {
        if (!_byEcosystem.TryGetValue(ecosystem, out var popular)) return null;
        var normalized = PackageNames.Normalize(ecosystem, name);
        if (popular.Contains(normalized) || normalized.Length < 5) return null;
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

    private static PopularPackages Load()
    {
        using var stream = typeof(PopularPackages).Assembly.GetManifestResourceStream("PipeWatch.popular-packages.tsv")
            ?? throw new InvalidOperationException("The embedded popular-packages.tsv is missing from the build.");
        using var reader = new StreamReader(stream);
        var names = new List<(string, string)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0) names.Add((line[..tab], line[(tab + 1)..].Trim()));
        }

        return new PopularPackages(names);
    }
}
