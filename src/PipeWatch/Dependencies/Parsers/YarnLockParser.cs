namespace PipeWatch.Dependencies.Parsers;

/// <summary>Yarn <c>yarn.lock</c>: classic (v1, its own indented format) and berry (v2+, YAML with <c>resolution</c> locators).</summary>
/// <remarks>Both are read line by line: an unindented line opens an entry of one or more comma-separated specifiers, indented lines are its fields.</remarks>
internal sealed class YarnLockParser : ILockfileParser
{
    public string Format => "yarn-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) == "yarn.lock";

    public LockfileParse Parse(string path, string text) => Parse(path, text, null);

    public LockfileParse Parse(string path, string text, LockfileBlockMemo? memo)
    {
        // The file splits into entries, each an unindented header line and the lines up to the next header; an entry's fields
        // depend on its own text only, so a memo re-reads only the entries a change touched.
        var segments = new List<LockfileSegment>();
        if (Split(text, 0, int.MaxValue, 1, atStart: true, memo, segments) is { } failure) return LockfileParse.Failed(path, failure.Reason, failure.Line);
        return Build(segments, null);
    }

    /// <summary>The next version made from <paramref name="previous"/>: the entries the edits touch are split and read again, the others taken over.</summary>
    public LockfileParse? Follow(string path, string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits)
    {
        var segments = previous.Follow(edits, text, (t, start, lines, firstLine, before) =>
        {
            var made = new List<LockfileSegment>();
            // A failure is left to the whole-file parse, which reports it.
            return Split(t, start, lines, firstLine, atStart: before is null, memo, made) is null ? made : null;
        }, out var changed, out var replaced);
        return segments is null ? null : Build(segments, (previous, changed, replaced));
    }

    // Cuts `lines` lines of the text from `start` (line `firstLine`) into segments: the comments and blank lines before the first
    // entry (only at the start of the file), then one per entry. Returns the problem that stops a whole-file parse, if any; a
    // region that does not start with an entry (after the start of the file) is such a problem too.
    private (string Reason, int Line)? Split(string text, int start, int lines, int firstLine, bool atStart, LockfileBlockMemo? memo, List<LockfileSegment> segments)
    {
        var blockStart = start;
        var blockLine = firstLine;
        var isEntry = false;
        var number = firstLine - 1;
        var position = start;
        for (var read = 0; read < lines && position < text.Length; read++)
        {
            var end = text.IndexOf('\n', position);
            var next = end < 0 ? text.Length : end + 1;
            number++;
            var line = text.AsSpan(position, (end < 0 ? text.Length : end) - position).TrimEnd('\r');
            if (line.Length > 0 && !line.TrimStart().StartsWith('#'))
            {
                if (!char.IsWhiteSpace(line[0]))
                {
                    if (!line.EndsWith(':')) return ($"expected an entry header ending in ':', found '{Clip(line.ToString())}'", number);
                    Close(position, number);
                    (blockStart, blockLine, isEntry) = (position, number, true);
                }
                else if (!isEntry)
                {
                    return ("indented line before any entry", number);
                }
            }
            else if (!atStart && !isEntry)
            {
                return ("a region that does not start with an entry", number);
            }

            position = next;
        }

        if (lines != int.MaxValue && number - firstLine + 1 != lines) return ("fewer lines than the change says", number);
        Close(position, number + 1);
        return null;

        // Ends the segment open so far at `at`, where line `nextLine` starts.
        void Close(int at, int nextLine)
        {
            if (at == blockStart) return;
            Entry? entry = null;
            if (isEntry)
            {
                var block = text.AsSpan(blockStart, at - blockStart);
                entry = memo is null ? ReadEntry(block.ToString()) : memo.Get(Format, block, ReadEntry);
            }

            segments.Add(new LockfileSegment(nextLine - blockLine, at - blockStart, isEntry ? 1 : 0, entry));
        }
    }

    // The packages of a version cut into segments: every entry's fields with its header's line; for a version made from a
    // previous one, also what it changed (the delta), from the segments made anew and the old ones they replace.
    private static LockfileParse Build(List<LockfileSegment> segments, (LockfileLayout Previous, List<int> Changed, List<int> Replaced)? follow)
    {
        var before = follow is { } f && f.Previous.Whole is YarnLockState state ? state : null;
        // A version followed from one read the same way (berry or classic: the way decides every entry's name and source) says
        // what it changed, and takes over the dependencies of the entries the change did not touch.
        var berry = before is not null && !TouchesMetadata(segments, follow!.Value) ? before.Berry : IsBerry(segments);
        var followed = before is not null && before.Berry == berry ? before : null;
        var (direct, required) = (followed is null ? null : Requirements(followed, segments, follow!.Value, berry)) ?? Requirements(segments, berry);
        var bySegment = new Dependency?[segments.Count];
        var found = new List<Dependency>(segments.Count);
        var added = followed is null ? null : new List<Dependency>(follow!.Value.Changed.Count);
        var taken = followed is null ? null : new TakenOver(follow!.Value.Changed, follow.Value.Replaced);
        var headerLine = 1;
        for (var i = 0; i < segments.Count; i++)
        {
            var line = headerLine;
            headerLine += segments[i].Lines;
            Dependency? dependency;
            if (taken?.OldIndex(i) is { } old)
            {
                // The same entry text, read the same way: the same package; only its line and whether it is direct may differ.
                dependency = followed!.BySegment[old];
                if (dependency is null) continue;
                var isDirect = ReferenceEquals(direct, followed.Direct) && ReferenceEquals(required, followed.Required)
                    ? dependency.Direct
                    : IsDirect(((Entry)segments[i].Value!).Package(berry)!, berry, direct, required);
                if (dependency.Line != line || dependency.Direct != isDirect) dependency = dependency with { Direct = isDirect, Line = line };
            }
            else
            {
                if (segments[i].Value is not Entry { Header: not "__metadata" } e || e.Package(berry) is not { } package) continue;
                dependency = package.Template with { Direct = IsDirect(package, berry, direct, required), Line = line };
                added?.Add(dependency);
            }

            bySegment[i] = dependency;
            found.Add(dependency);
        }

        return LockfileParse.Of(found) with
        {
            Layout = new LockfileLayout(segments, new YarnLockState(berry, direct, required, bySegment)),
            Delta = added is null ? null : new LockfileDelta(Removed(follow!.Value.Previous, follow.Value.Replaced, berry), added),
        };
    }

    private static bool IsDirect(EntryPackage package, bool berry, Dictionary<string, int> direct, Dictionary<string, int> required) =>
        berry ? direct.ContainsKey(package.Template.Name) || package.Folders.Any(direct.ContainsKey) : !required.ContainsKey(package.Template.Name);

    // Berry writes a __metadata entry; classic has none.
    private static bool IsBerry(List<LockfileSegment> segments) => segments.Any(s => s.Value is Entry { Header: "__metadata" });

    // Whether the change made or replaced a __metadata entry (only then can the way the file is read change).
    private static bool TouchesMetadata(List<LockfileSegment> segments, (LockfileLayout Previous, List<int> Changed, List<int> Replaced) follow) =>
        follow.Changed.Any(i => segments[i].Value is Entry { Header: "__metadata" })
        || follow.Replaced.Any(i => follow.Previous.Segments[i].Value is Entry { Header: "__metadata" });

    // The names the workspaces require (berry: they are direct) and those the other entries require (classic: they are not),
    // each with how many times the entries list it.
    private static (Dictionary<string, int> Direct, Dictionary<string, int> Required) Requirements(List<LockfileSegment> segments, bool berry)
    {
        var direct = new Dictionary<string, int>(StringComparer.Ordinal);
        var required = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var segment in segments) Count(segment, berry, direct, required, +1);
        return (direct, required);
    }

    /// <summary>
    /// The names required in a followed version, from the previous version's counts and the change: the names the entries it made
    /// list counted in, those of the entries it replaced counted out. A side the change leaves as it was is the previous
    /// version's own object (then no untouched entry's Direct can change). Null (count the whole file) for a change that rewrites
    /// much of the file, or counts that do not add up.
    /// </summary>
    private static (Dictionary<string, int> Direct, Dictionary<string, int> Required)? Requirements(YarnLockState previous, List<LockfileSegment> segments, (LockfileLayout Previous, List<int> Changed, List<int> Replaced) follow, bool berry)
    {
        // A mass upgrade is not worth counting name by name: the whole file is counted again.
        if (follow.Changed.Count + follow.Replaced.Count > segments.Count / 4 + 8) return null;
        var workspaces = new Dictionary<string, int>(StringComparer.Ordinal);
        var others = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in follow.Changed) Count(segments[i], berry, workspaces, others, +1);
        foreach (var i in follow.Replaced) Count(follow.Previous.Segments[i], berry, workspaces, others, -1);
        var direct = Apply(previous.Direct, workspaces);
        var required = Apply(previous.Required, others);
        return direct is null || required is null ? null : (direct, required);
    }

    // Counts in (or out) the names an entry lists on its side: a workspace's (berry) or any other entry's.
    private static void Count(LockfileSegment segment, bool berry, Dictionary<string, int> workspaces, Dictionary<string, int> others, int by)
    {
        if (segment.Value is not Entry { Header: not "__metadata" } e) return;
        var counts = IsWorkspace(e, berry) ? workspaces : others;
        foreach (var name in e.Requires)
        {
            var count = counts.GetValueOrDefault(name) + by;
            if (count == 0) counts.Remove(name);
            else counts[name] = count;
        }
    }

    // The previous counts with the change's added in (a name leaves at 0); the same object when the change adds nothing; null when
    // a count would fall below 0 (the previous counts were not of the entries replaced).
    private static Dictionary<string, int>? Apply(Dictionary<string, int> previous, Dictionary<string, int> change)
    {
        if (change.Count == 0) return previous;
        var counts = new Dictionary<string, int>(previous, StringComparer.Ordinal);
        foreach (var (name, by) in change)
        {
            var count = counts.GetValueOrDefault(name) + by;
            if (count < 0) return null;
            if (count == 0) counts.Remove(name);
            else counts[name] = count;
        }

        return counts;
    }

    private static bool IsWorkspace(Entry e, bool berry) =>
        berry && (e.Fields.GetValueOrDefault("resolution") ?? "").Contains("@workspace:", StringComparison.Ordinal);

    /// <summary>What a yarn version read besides its entries (<see cref="LockfileLayout.Whole"/>), for the next version to take over.</summary>
    /// <param name="Berry">Whether it is read as berry (it has a __metadata entry).</param>
    /// <param name="Direct">The names its workspaces require (berry), each with how many times they list it (never 0).</param>
    /// <param name="Required">The names its other entries require, counted so too.</param>
    /// <param name="BySegment">The dependency of each segment (null: not an entry, or one that names nothing).</param>
    private sealed record YarnLockState(bool Berry, Dictionary<string, int> Direct, Dictionary<string, int> Required, Dependency?[] BySegment);

    // Walks a followed version's segments with the previous version's: those the change did not make are the old ones it did not
    // replace, in order (the segment indexes come in order).
    private sealed class TakenOver(List<int> changed, List<int> replaced)
    {
        private int _nextChanged, _nextReplaced, _old;

        // The previous version's index of new segment `index` (asked in order), or null when the change made it.
        public int? OldIndex(int index)
        {
            if (_nextChanged < changed.Count && changed[_nextChanged] == index)
            {
                _nextChanged++;
                return null;
            }

            while (_nextReplaced < replaced.Count && replaced[_nextReplaced] == _old)
            {
                _nextReplaced++;
                _old++;
            }

            return _old++;
        }
    }

    // The packages of the old segments a followed version replaced (their templates carry every field a delta compares).
    private static List<Dependency> Removed(LockfileLayout previous, List<int> replaced, bool berry)
    {
        var removed = new List<Dependency>(replaced.Count);
        foreach (var index in replaced)
        {
            if (previous.Segments[index].Value is Entry { Header: not "__metadata" } e && e.Package(berry) is { } package) removed.Add(package.Template);
        }

        return removed;
    }

    // One entry: its header line, then its fields (indent up to 2) and the names under its dependencies (deeper). Read line by
    // line over the block's characters: only the strings an entry keeps are made (a history scan reads every new entry text).
    private static Entry ReadEntry(string block)
    {
        var text = block.AsSpan();
        var lineEnd = text.IndexOf('\n');
        var current = new Entry(text[..(lineEnd < 0 ? text.Length : lineEnd)].TrimEnd('\r')[..^1].ToString());
        var inDependencies = false;
        var rest = lineEnd < 0 ? [] : text[(lineEnd + 1)..];
        while (lineEnd >= 0)
        {
            lineEnd = rest.IndexOf('\n');
            var line = rest[..(lineEnd < 0 ? rest.Length : lineEnd)].TrimEnd('\r');
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 1)..];
            if (line.Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var indent = line.Length - line.TrimStart().Length;
            Field(line.Trim(), out var key, out var value);
            if (indent <= 2)
            {
                inDependencies = key is "dependencies" or "optionalDependencies";
                if (value.Length > 0) current.Fields[FieldName(key)] = value.ToString();
            }
            else if (inDependencies)
            {
                current.Requires.Add(key.ToString());
            }
        }

        return current;
    }

    // The field names yarn writes, so that each entry's fields are keyed by one shared string each, not a copy per entry.
    private static readonly HashSet<string> KnownFields = new(
        ["version", "resolved", "integrity", "checksum", "resolution", "dependencies", "optionalDependencies", "peerDependencies",
            "peerDependenciesMeta", "dependenciesMeta", "bin", "languageName", "linkType", "conditions"],
        StringComparer.Ordinal);

    private static string FieldName(ReadOnlySpan<char> key) =>
        KnownFields.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var known) ? known : key.ToString();

    /// <summary>The folder name of a specifier "name@range" or "@scope/name@range" (an alias "x@npm:real@range" keeps "x").</summary>
    private static string FolderOf(string specifier)
    {
        var at = specifier.IndexOf('@', 1);
        return at < 0 ? specifier : specifier[..at];
    }

    /// <summary>The package a specifier installs: its own name, or the real one behind an alias "x@npm:real@range".</summary>
    private static string NameOf(string specifier)
    {
        var at = specifier.IndexOf('@', 1);
        if (at < 0) return specifier;
        var range = specifier[(at + 1)..];
        return range.StartsWith("npm:", StringComparison.Ordinal) && range.Length > 4 ? FolderOf(range[4..]) : specifier[..at];
    }

    private static void Field(ReadOnlySpan<char> line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        // Berry writes "key: value", classic "key value"; either may quote both parts.
        value = [];
        var split = line.IndexOf(": ", StringComparison.Ordinal);
        if (split < 0 && line.EndsWith(':'))
        {
            key = line[..^1].Trim('"');
            return;
        }

        if (split < 0) split = QuotedEnd(line);
        if (split < 0)
        {
            key = line.Trim('"');
            return;
        }

        key = line[..split].Trim().TrimEnd(':').Trim('"');
        value = line[(split + 1)..].Trim().Trim('"');
    }

    private static int QuotedEnd(ReadOnlySpan<char> line) =>
        line.StartsWith('"') ? line[1..].IndexOf('"') + 2 is var end and > 1 && end < line.Length ? end : -1 : line.IndexOf(' ');

    private static string Clip(string s) => s.Length > 60 ? s[..60] + "…" : s;

    // What an entry says of its package, apart from what depends on the rest of the file (direct or not, the line); null for
    // a berry workspace or a resolution without a version.
    private static EntryPackage? MakePackage(Entry e, bool berry)
    {
        var version = e.Fields.GetValueOrDefault("version") ?? "";
        DependencySource source;
        string name;
        if (berry)
        {
            var resolution = e.Fields.GetValueOrDefault("resolution") ?? "";
            // An entry without a resolution (hostile or hand-edited text) names nothing; it used to throw here.
            var at = resolution.Length < 2 ? -1 : resolution.IndexOf('@', 1);
            if (at < 0 || resolution.Contains("@workspace:", StringComparison.Ordinal)) return null;
            name = resolution[..at];
            var locator = resolution[(at + 1)..];
            source = locator.StartsWith("npm:", StringComparison.Ordinal) ? new(SourceKind.Registry)
                : locator.StartsWith("file:", StringComparison.Ordinal) || locator.StartsWith("link:", StringComparison.Ordinal) || locator.StartsWith("portal:", StringComparison.Ordinal) ? new(SourceKind.Path, locator)
                : locator.Contains("#commit", StringComparison.Ordinal) || SourceText.IsGit(locator) ? new(SourceKind.Git, locator)
                : SourceText.FromResolved(locator);
        }
        else
        {
            var first = e.Header.Split(',')[0].Trim().Trim('"');
            name = NameOf(first);
            // Without "resolved" (local folders), the specifier's range says where it came from.
            source = SourceText.FromResolved(e.Fields.GetValueOrDefault("resolved") ?? first[(first.IndexOf('@', 1) + 1)..]);
        }

        var template = new Dependency(Ecosystems.Npm, name, version, false, source, e.Fields.GetValueOrDefault("integrity") ?? e.Fields.GetValueOrDefault("checksum"))
        {
            Requires = e.Requires,
        };
        return new EntryPackage(template, berry ? [.. e.Header.Split(',').Select(s => FolderOf(s.Trim().Trim('"')))] : []);
    }

    private sealed record EntryPackage(Dependency Template, string[] Folders);

    // Read once and shared by every version of the file that has the same entry text: never changed after ReadEntry (its
    // package is worked out on first use, the same by any thread, and kept: a history scan reads each entry in many versions).
    private sealed class Entry(string header)
    {
        // One box per reading (a box, so that "worked out: nothing" is held too); a reference is written whole.
        private Made? _classic, _berry;

        public string Header { get; } = header.Trim('"');

        public EntryPackage? Package(bool berry)
        {
            if (Volatile.Read(ref berry ? ref _berry : ref _classic) is { } made) return made.Package;
            var package = MakePackage(this, berry);
            Volatile.Write(ref berry ? ref _berry : ref _classic, new Made(package));
            return package;
        }

        private sealed record Made(EntryPackage? Package);

        public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

        public List<string> Requires { get; } = [];
    }
}
