using PipeWatch.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Reads a pnpm lockfile's <see cref="PnpmLockContent"/> from YamlDotNet's event stream, without a node tree.</summary>
/// <remarks>
/// Only for the ordinary shape pnpm writes: one document whose top is a mapping, plain keys, no anchors, aliases or tags, no
/// key repeated in any mapping. Anything else returns null, and the caller reads the file through the node tree, which
/// decides what such a file means (or which problem it has). Nesting is bounded as the tree's is (<see cref="DepthLimitedParser"/>).
/// </remarks>
internal static class PnpmLockEvents
{
    private static readonly string[] Groups = ["dependencies", "devDependencies", "optionalDependencies"];

    /// <summary>The content, or null when the file needs the node tree.</summary>
    public static PnpmLockContent? Read(string text)
    {
        try
        {
            var events = new DepthLimitedParser(new Parser(new StringReader(text)));
            if (!Next(events) || events.Current is not StreamStart) return null;
            if (!Next(events) || events.Current is not DocumentStart) return null;
            if (!Next(events) || events.Current is not MappingStart top || !Plain(top)) return null;
            var content = Top(events);
            if (content is null) return null;
            if (!Next(events) || events.Current is not DocumentEnd) return null;
            // A second document: the tree reader picks the last mapping one.
            return Next(events) && events.Current is StreamEnd ? content : null;
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    // The top mapping, its start consumed; ends on its MappingEnd.
    private static PnpmLockContent? Top(IParser events)
    {
        string? version = null;
        var importers = new List<List<string>>();
        var topGroups = new List<string>();
        List<(string, List<string>)>? snapshots = null;
        List<PnpmLockPackage>? packages = null;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Key(events, keys) is { Key: var key })
        {
            switch (key)
            {
                case "lockfileVersion":
                    if (!Value(events, out var scalar)) return null;
                    version = scalar;
                    break;
                case "importers":
                    if (!Entries(events, (_, e) => Importer(e, importers))) return null;
                    break;
                case "dependencies" or "devDependencies" or "optionalDependencies":
                    if (!KeysOf(events, topGroups)) return null;
                    break;
                case "snapshots":
                    snapshots = [];
                    if (!Entries(events, (k, e) =>
                    {
                        var requires = new List<string>();
                        if (!Requirements(e, requires)) return false;
                        snapshots.Add((k.Key, requires));
                        return true;
                    }))
                    {
                        return null;
                    }

                    break;
                case "packages":
                    packages = [];
                    if (!Entries(events, (k, e) => Package(e, k, packages))) return null;
                    break;
                default:
                    if (!Skip(events)) return null;
                    break;
            }
        }

        if (events.Current is not MappingEnd) return null;
        var content = new PnpmLockContent(version);
        foreach (var names in importers) content.Direct.UnionWith(names);
        content.Direct.UnionWith(topGroups);
        if (snapshots is not null) content.Snapshots.AddRange(snapshots);
        if (packages is not null) content.Packages.AddRange(packages);
        return content;
    }

    // One importer: its dependency groups' names.
    private static bool Importer(IParser events, List<List<string>> importers)
    {
        var names = new List<string>();
        importers.Add(names);
        if (!Next(events)) return false;
        if (events.Current is not MappingStart start) return SkipCurrent(events);
        if (!Plain(start)) return false;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Key(events, keys) is { Key: var key })
        {
            if (Array.IndexOf(Groups, key) >= 0 ? !KeysOf(events, names) : !Skip(events)) return false;
        }

        return events.Current is MappingEnd;
    }

    // A packages entry: the scalars used, its requirements.
    private static bool Package(IParser events, (string Key, int Line) key, List<PnpmLockPackage> packages)
    {
        string? name = null, version = null, tarball = null, repo = null, commit = null, directory = null, integrity = null, dev = null;
        var requires = new List<string>();
        var optional = new List<string>();
        if (!Next(events)) return false;
        if (events.Current is not MappingStart start)
        {
            packages.Add(new PnpmLockPackage(key.Key, key.Line));
            return SkipCurrent(events);
        }

        if (!Plain(start)) return false;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Key(events, keys) is { Key: var field })
        {
            var ok = field switch
            {
                "name" => Value(events, out name),
                "version" => Value(events, out version),
                "dev" => Value(events, out dev),
                "dependencies" => KeysOf(events, requires, nonEmpty: true),
                "optionalDependencies" => KeysOf(events, optional, nonEmpty: true),
                "resolution" => Resolution(events, out tarball, out repo, out commit, out directory, out integrity),
                _ => Skip(events),
            };
            if (!ok) return false;
        }

        if (events.Current is not MappingEnd) return false;
        requires.AddRange(optional);
        packages.Add(new PnpmLockPackage(key.Key, key.Line)
        {
            Name = name, Version = version, Tarball = tarball, Repo = repo, Commit = commit, Directory = directory, Integrity = integrity, Dev = dev, Requires = requires,
        });
        return true;
    }

    private static bool Resolution(IParser events, out string? tarball, out string? repo, out string? commit, out string? directory, out string? integrity)
    {
        tarball = repo = commit = directory = integrity = null;
        if (!Next(events)) return false;
        if (events.Current is not MappingStart start) return SkipCurrent(events);
        if (!Plain(start)) return false;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Key(events, keys) is { Key: var field })
        {
            var ok = field switch
            {
                "tarball" => Value(events, out tarball),
                "repo" => Value(events, out repo),
                "commit" => Value(events, out commit),
                "directory" => Value(events, out directory),
                "integrity" => Value(events, out integrity),
                _ => Skip(events),
            };
            if (!ok) return false;
        }

        return events.Current is MappingEnd;
    }

    // A node's dependencies and optionalDependencies names (non-empty), in that order, as the tree reader lists them.
    private static bool Requirements(IParser events, List<string> requires)
    {
        var optional = new List<string>();
        if (!Next(events)) return false;
        if (events.Current is not MappingStart start) return SkipCurrent(events);
        if (!Plain(start)) return false;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Key(events, keys) is { Key: var field })
        {
            var ok = field switch
            {
                "dependencies" => KeysOf(events, requires, nonEmpty: true),
                "optionalDependencies" => KeysOf(events, optional, nonEmpty: true),
                _ => Skip(events),
            };
            if (!ok) return false;
        }

        requires.AddRange(optional);
        return events.Current is MappingEnd;
    }

    // Each entry of a mapping value (anything else: skipped, no entries), the entry's value read by `read`.
    private static bool Entries(IParser events, Func<(string Key, int Line), IParser, bool> read)
    {
        if (!Next(events)) return false;
        if (events.Current is not MappingStart start) return SkipCurrent(events);
        if (!Plain(start)) return false;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Key(events, keys) is { } key)
        {
            if (!read(key, events)) return false;
        }

        return events.Current is MappingEnd;
    }

    // The keys of a mapping value (anything else: none), each value skipped.
    private static bool KeysOf(IParser events, List<string> names, bool nonEmpty = false)
    {
        if (!Next(events)) return false;
        if (events.Current is not MappingStart start) return SkipCurrent(events);
        if (!Plain(start)) return false;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (Key(events, keys) is { Key: var key })
        {
            if (!nonEmpty || key.Length > 0) names.Add(key);
            if (!Skip(events)) return false;
        }

        return events.Current is MappingEnd;
    }

    // The next key of the mapping being read, or null at its end (or at anything the tree must judge: Current is then not MappingEnd).
    private static (string Key, int Line)? Key(IParser events, HashSet<string> keys)
    {
        if (!Next(events)) return null;
        if (events.Current is Scalar scalar && Plain(scalar) && keys.Add(scalar.Value)) return (scalar.Value, (int)scalar.Start.Line);
        return null;
    }

    // A scalar value (a mapping or sequence reads as null, as the tree's Scalar() does).
    private static bool Value(IParser events, out string? value)
    {
        value = null;
        if (!Next(events)) return false;
        if (events.Current is Scalar scalar)
        {
            if (!Plain(scalar)) return false;
            value = scalar.Value;
            return true;
        }

        return SkipCurrent(events);
    }

    // Skips the next node.
    private static bool Skip(IParser events) => Next(events) && SkipCurrent(events);

    // Skips the node that starts at the current event; every key inside is checked as Key does.
    private static bool SkipCurrent(IParser events)
    {
        switch (events.Current)
        {
            case Scalar scalar:
                return Plain(scalar);
            case SequenceStart sequence:
                if (!Plain(sequence)) return false;
                while (Next(events) && events.Current is not SequenceEnd)
                {
                    if (!SkipCurrent(events)) return false;
                }

                return events.Current is SequenceEnd;
            case MappingStart mapping:
                if (!Plain(mapping)) return false;
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (Key(events, keys) is not null)
                {
                    if (!Skip(events)) return false;
                }

                return events.Current is MappingEnd;
            default:
                // An alias, or anything unexpected: the tree decides.
                return false;
        }
    }

    private static bool Next(IParser events) => events.MoveNext();

    private static bool Plain(NodeEvent node) => node.Anchor.IsEmpty && node.Tag.IsEmpty;
}
