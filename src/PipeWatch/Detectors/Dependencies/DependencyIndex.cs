using System.Collections.Immutable;
using System.Runtime.InteropServices;
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

    // Keyed and valued by reference types only (a key's variants are an array never written once made; a name is one string):
    // generic code over value types (a tuple key, an ImmutableArray value) is not in the ReadyToRun images and ran jitted,
    // hashing each tuple through its components' comparers (sampled on renovatebot: ~100 ms of the detectors' thread).
    private readonly Dictionary<string, Variant[]> _baseKeys;
    private readonly Dictionary<string, int> _baseNames;
    private readonly ImmutableDictionary<string, Variant[]> _keys;
    private readonly ImmutableDictionary<string, int> _names;

    private DependencyIndex(
        Dictionary<string, Variant[]> baseKeys,
        Dictionary<string, int> baseNames,
        ImmutableDictionary<string, Variant[]> keys,
        ImmutableDictionary<string, int> names,
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
        var keys = new Dictionary<string, Variant[]>(dependencies.Count, StringComparer.Ordinal);
        var names = new Dictionary<string, int>(dependencies.Count, StringComparer.Ordinal);
        var mixed = 0;
        foreach (var d in dependencies)
        {
            ref var variants = ref CollectionsMarshal.GetValueRefOrAddDefault(keys, d.Key, out _);
            variants = Added(variants ?? [], d, ref mixed);
            CollectionsMarshal.GetValueRefOrAddDefault(names, NameKey(d.Ecosystem, d.Name), out _)++;
        }

        return new DependencyIndex(keys, names, ImmutableDictionary.Create<string, Variant[]>(StringComparer.Ordinal), ImmutableDictionary.Create<string, int>(StringComparer.Ordinal), mixed);
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
            var name = NameKey(d.Ecosystem, d.Name);
            names[name] = NameCount(names, name) + 1;
        }

        foreach (var d in removed)
        {
            var variants = VariantsOf(keys, d.Key);
            var at = Find(variants, d);
            if (at < 0) return null;
            var left = Removed(variants, at);
            if (variants.Length == 2 && left.Length == 1) mixed--;
            // An empty entry in the overlay hides the key of the base.
            keys[d.Key] = left;
            var name = NameKey(d.Ecosystem, d.Name);
            names[name] = NameCount(names, name) - 1;
        }

        if (keys.Count > Math.Max(MinOverlay, _baseKeys.Count / 4)) return Of(whole);
        return new DependencyIndex(_baseKeys, _baseNames, keys.ToImmutable(), names.ToImmutable(), mixed);
    }

    /// <summary>True when a package of this key is held.</summary>
    public bool HasKey(string key) => Variants(key).Length > 0;

    /// <summary>True when a package of this ecosystem and name is held.</summary>
    public bool HasName(string ecosystem, string name)
    {
        var key = NameKey(ecosystem, name);
        return (_names.TryGetValue(key, out var count) ? count : _baseNames.GetValueOrDefault(key)) > 0;
    }

    /// <summary>The entry held for a key whose entries all agree (<see cref="MixedKeys"/> is 0), or null when none is held.</summary>
    public Dependency? Only(string key) => Variants(key) is [var only] ? only.Example : null;

    // One string per ecosystem and name: an ecosystem is one of the constants of Ecosystems, none with a line break, so the first
    // line break ends it and no two pairs meet.
    private static string NameKey(string ecosystem, string name) => string.Concat(ecosystem, "\n", name);

    private Variant[] Variants(string key) =>
        _keys.TryGetValue(key, out var changed) ? changed : _baseKeys.TryGetValue(key, out var held) ? held : [];

    private Variant[] VariantsOf(ImmutableDictionary<string, Variant[]>.Builder keys, string key) =>
        keys.TryGetValue(key, out var changed) ? changed : _baseKeys.TryGetValue(key, out var held) ? held : [];

    private int NameCount(ImmutableDictionary<string, int>.Builder names, string name) =>
        names.TryGetValue(name, out var count) ? count : _baseNames.GetValueOrDefault(name);

    // The variants with one more entry like `d` (a new array: one held by an index is never written); a second variant makes the key mixed.
    private static Variant[] Added(Variant[] variants, Dependency d, ref int mixed)
    {
        var at = Find(variants, d);
        if (at >= 0) return Counted(variants, at, variants[at].Count + 1);
        if (variants.Length == 1) mixed++;
        return [.. variants, new Variant(d, 1)];
    }

    // The variants with one entry of variants[at] fewer (a new array).
    private static Variant[] Removed(Variant[] variants, int at)
    {
        if (variants[at].Count > 1) return Counted(variants, at, variants[at].Count - 1);
        var left = new Variant[variants.Length - 1];
        variants.AsSpan(0, at).CopyTo(left);
        variants.AsSpan(at + 1).CopyTo(left.AsSpan(at));
        return left;
    }

    private static Variant[] Counted(Variant[] variants, int at, int count)
    {
        var copy = (Variant[])variants.Clone();
        copy[at] = variants[at] with { Count = count };
        return copy;
    }

    private static int Find(Variant[] variants, Dependency d)
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
