using System.Collections.Immutable;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>
/// The packages of one version of a dependency file counted by key (ecosystem, name, version) and by name, with the variants
/// (source, integrity) each key has: what a commit's change asks of the version before it, made for the next version from this
/// one and the change's <see cref="LockfileDelta"/> in the time of the change, not of the file.
/// </summary>
/// <remarks>
/// Immutable (persistent maps: a derived index shares all but the touched paths with the one it came from, and a history that
/// branches derives two from one). <see cref="MixedKeys"/> counts the keys whose entries disagree on source or integrity: there,
/// "the entry before" depends on the order of the entries, which an index does not keep, so a change uses the whole lists.
/// </remarks>
internal sealed class DependencyIndex
{
    private readonly ImmutableDictionary<string, ImmutableArray<Variant>> _byKey;
    private readonly ImmutableDictionary<(string Ecosystem, string Name), int> _names;

    private DependencyIndex(ImmutableDictionary<string, ImmutableArray<Variant>> byKey, ImmutableDictionary<(string, string), int> names, int mixedKeys)
    {
        _byKey = byKey;
        _names = names;
        MixedKeys = mixedKeys;
    }

    /// <summary>Keys whose entries disagree on source or integrity.</summary>
    public int MixedKeys { get; }

    /// <summary>The index of a whole list.</summary>
    public static DependencyIndex Of(IReadOnlyList<Dependency> dependencies)
    {
        var empty = new DependencyIndex(ImmutableDictionary.Create<string, ImmutableArray<Variant>>(StringComparer.Ordinal), ImmutableDictionary<(string, string), int>.Empty, 0);
        // Nothing removed: never null.
        return empty.With([], dependencies)!;
    }

    /// <summary>This index with <paramref name="removed"/> taken out and <paramref name="added"/> put in; null when a removed package is not held (the delta does not belong to this version).</summary>
    public DependencyIndex? With(IReadOnlyList<Dependency> removed, IReadOnlyList<Dependency> added)
    {
        var byKey = _byKey.ToBuilder();
        var names = _names.ToBuilder();
        var mixed = MixedKeys;
        foreach (var d in added)
        {
            var variants = byKey.TryGetValue(d.Key, out var held) ? held : [];
            var at = Find(variants, d);
            if (variants.Length == 1 && at < 0) mixed++;
            byKey[d.Key] = at < 0 ? variants.Add(new Variant(d, 1)) : variants.SetItem(at, variants[at] with { Count = variants[at].Count + 1 });
            names[(d.Ecosystem, d.Name)] = names.GetValueOrDefault((d.Ecosystem, d.Name)) + 1;
        }

        foreach (var d in removed)
        {
            if (!byKey.TryGetValue(d.Key, out var variants) || Find(variants, d) is var at && at < 0) return null;
            var left = variants[at].Count == 1 ? variants.RemoveAt(at) : variants.SetItem(at, variants[at] with { Count = variants[at].Count - 1 });
            if (variants.Length == 2 && left.Length == 1) mixed--;
            if (left.IsEmpty) byKey.Remove(d.Key);
            else byKey[d.Key] = left;
            var count = names.GetValueOrDefault((d.Ecosystem, d.Name)) - 1;
            if (count <= 0) names.Remove((d.Ecosystem, d.Name));
            else names[(d.Ecosystem, d.Name)] = count;
        }

        return new DependencyIndex(byKey.ToImmutable(), names.ToImmutable(), mixed);
    }

    /// <summary>True when a package of this key is held.</summary>
    public bool HasKey(string key) => _byKey.ContainsKey(key);

    /// <summary>True when a package of this ecosystem and name is held.</summary>
    public bool HasName(string ecosystem, string name) => _names.ContainsKey((ecosystem, name));

    /// <summary>The entry held for a key whose entries all agree (<see cref="MixedKeys"/> is 0), or null when none is held.</summary>
    public Dependency? Only(string key) => _byKey.TryGetValue(key, out var variants) && variants.Length == 1 ? variants[0].Example : null;

    private static int Find(ImmutableArray<Variant> variants, Dependency d)
    {
        for (var i = 0; i < variants.Length; i++)
        {
            if (variants[i].Example.Source == d.Source && string.Equals(variants[i].Example.Integrity, d.Integrity, StringComparison.Ordinal)) return i;
        }

        return -1;
    }

    // One (source, integrity) of a key, and how many entries have it.
    private sealed record Variant(Dependency Example, int Count);
}
