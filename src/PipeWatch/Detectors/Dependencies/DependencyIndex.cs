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
/// Immutable. A base built from a whole list (plain dictionaries, as cheap as the lists' own lookups) and an overlay of what the
/// changes since then made of the keys and names they touched (persistent maps: a derived index shares the base and all but the
/// touched paths of the overlay with the one it came from, and a history that branches derives two from one). When the overlay
/// outgrows a quarter of the base, the next index starts again from its version's whole list: amortised, the cost of the
/// changes. <see cref="MixedKeys"/> counts the keys whose entries disagree on source or integrity: there, "the entry before"
/// depends on the order of the entries, which an index does not keep, so a change uses the whole lists.
/// </remarks>
internal sealed class DependencyIndex
{
    private const int MinOverlay = 64;

    private readonly Dictionary<string, ImmutableArray<Variant>> _baseKeys;
    private readonly Dictionary<(string Ecosystem, string Name), int> _baseNames;
    private readonly ImmutableDictionary<string, ImmutableArray<Variant>> _keys;
    private readonly ImmutableDictionary<(string Ecosystem, string Name), int> _names;

    private DependencyIndex(
        Dictionary<string, ImmutableArray<Variant>> baseKeys,
        Dictionary<(string, string), int> baseNames,
        ImmutableDictionary<string, ImmutableArray<Variant>> keys,
        ImmutableDictionary<(string, string), int> names,
        int mixedKeys)
    {
        _baseKeys = baseKeys;
        _baseNames = baseNames;
        _keys = keys;
        _names = names;
        MixedKeys = mixedKeys;
    }

    /// <summary>Keys whose entries disagree on source or integrity.</summary>
    public int MixedKeys { get; }

    /// <summary>The index of a whole list.</summary>
    public static DependencyIndex Of(IReadOnlyList<Dependency> dependencies)
    {
        var keys = new Dictionary<string, ImmutableArray<Variant>>(dependencies.Count, StringComparer.Ordinal);
        var names = new Dictionary<(string, string), int>(dependencies.Count);
        var mixed = 0;
        foreach (var d in dependencies)
        {
            var variants = keys.TryGetValue(d.Key, out var held) ? held : [];
            keys[d.Key] = Added(variants, d, ref mixed);
            names[(d.Ecosystem, d.Name)] = names.GetValueOrDefault((d.Ecosystem, d.Name)) + 1;
        }

        return new DependencyIndex(keys, names, ImmutableDictionary.Create<string, ImmutableArray<Variant>>(StringComparer.Ordinal), ImmutableDictionary<(string, string), int>.Empty, mixed);
    }

    /// <summary>
    /// This index with <paramref name="removed"/> taken out and <paramref name="added"/> put in, for the version whose whole list
    /// is <paramref name="whole"/> (read only to start again, when the change or the changes piled up are large); null when a
    /// removed package is not held (the delta does not belong to this version).
    /// </summary>
    public DependencyIndex? With(IReadOnlyList<Dependency> removed, IReadOnlyList<Dependency> added, IReadOnlyList<Dependency> whole)
    {
        // A change as large as a rebuild (a regenerated lockfile, a memo started again) starts again from the whole list at
        // once: the index of a version's own list is the reference a derived one must equal.
        if (removed.Count + added.Count > Math.Max(MinOverlay, _baseKeys.Count / 4)) return Of(whole);
        var keys = _keys.ToBuilder();
        var names = _names.ToBuilder();
        var mixed = MixedKeys;
        foreach (var d in added)
        {
            keys[d.Key] = Added(VariantsOf(keys, d.Key), d, ref mixed);
            names[(d.Ecosystem, d.Name)] = NameCount(names, (d.Ecosystem, d.Name)) + 1;
        }

        foreach (var d in removed)
        {
            var variants = VariantsOf(keys, d.Key);
            var at = Find(variants, d);
            if (at < 0) return null;
            var left = variants[at].Count == 1 ? variants.RemoveAt(at) : variants.SetItem(at, variants[at] with { Count = variants[at].Count - 1 });
            if (variants.Length == 2 && left.Length == 1) mixed--;
            // An empty entry in the overlay hides the key of the base.
            keys[d.Key] = left;
            names[(d.Ecosystem, d.Name)] = NameCount(names, (d.Ecosystem, d.Name)) - 1;
        }

        if (keys.Count > Math.Max(MinOverlay, _baseKeys.Count / 4)) return Of(whole);
        return new DependencyIndex(_baseKeys, _baseNames, keys.ToImmutable(), names.ToImmutable(), mixed);
    }

    /// <summary>True when a package of this key is held.</summary>
    public bool HasKey(string key) => !Variants(key).IsEmpty;

    /// <summary>True when a package of this ecosystem and name is held.</summary>
    public bool HasName(string ecosystem, string name) => (_names.TryGetValue((ecosystem, name), out var count) ? count : _baseNames.GetValueOrDefault((ecosystem, name))) > 0;

    /// <summary>The entry held for a key whose entries all agree (<see cref="MixedKeys"/> is 0), or null when none is held.</summary>
    public Dependency? Only(string key) => Variants(key) is { Length: 1 } variants ? variants[0].Example : null;

    private ImmutableArray<Variant> Variants(string key) =>
        _keys.TryGetValue(key, out var changed) ? changed : _baseKeys.TryGetValue(key, out var held) ? held : [];

    private ImmutableArray<Variant> VariantsOf(ImmutableDictionary<string, ImmutableArray<Variant>>.Builder keys, string key) =>
        keys.TryGetValue(key, out var changed) ? changed : _baseKeys.TryGetValue(key, out var held) ? held : [];

    private int NameCount(ImmutableDictionary<(string, string), int>.Builder names, (string, string) name) =>
        names.TryGetValue(name, out var count) ? count : _baseNames.GetValueOrDefault(name);

    // The variants with one more entry like `d`; a second variant makes the key mixed.
    private static ImmutableArray<Variant> Added(ImmutableArray<Variant> variants, Dependency d, ref int mixed)
    {
        var at = Find(variants, d);
        if (at >= 0) return variants.SetItem(at, variants[at] with { Count = variants[at].Count + 1 });
        if (variants.Length == 1) mixed++;
        return variants.Add(new Variant(d, 1));
    }

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
