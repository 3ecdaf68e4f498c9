namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// Reads one pnpm <c>packages</c> or <c>snapshots</c> entry, or the rest of the file around them, of the plain shape pnpm writes,
/// by hand and without YamlDotNet (whose parser, set up for each new entry text, cost most of a followed version); null for
/// anything else, which the caller then reads through <see cref="PnpmLockEvents"/>.
/// </summary>
/// <remarks>
/// What it answers is what <see cref="PnpmLockEvents"/> answers for the same entry (proven on every entry of the corpus lockfiles
/// and of every version in the clones by <c>bench --suite lockfiles</c>), so it only answers what it fully understands: LF lines of
/// printable ASCII with no <c>#</c> or <c>"</c>; the key on the first line at two spaces, every nested mapping two spaces deeper
/// than its key; keys and values plain (no indicator first, single spaces, no <c>": "</c>) or single-quoted on one line; flow
/// mappings and sequences of such scalars on one line (<c>resolution: {integrity: …}</c>, <c>os: [darwin]</c>, a section's marker
/// <c>{__pipewatch_section_3: {}}</c>), block sequences of them two spaces deeper than their key (<c>transitivePeerDependencies</c>);
/// no key twice in a mapping; no line longer than YAML's bound on an implicit key. Anything else (anchors, aliases, tags, block
/// scalars, double quotes, comments, document markers, directives, CRLF, a tab, a multi-line scalar, an empty value, deep
/// nesting…) is not guessed at.
/// </remarks>
internal static class PnpmLockPlainReader
{
    // YAML bounds an implicit key at 1024 characters; longer lines (a hostile key) are left to YamlDotNet to judge.
    private const int MaxLine = 1000;

    // What a line of the plain shape may hold: printable ASCII (no tab, CR, NUL, escape, non-ASCII line breaks) but the comment
    // sign and double quotes.
    private static readonly System.Buffers.SearchValues<char> PlainCharacters = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c).Where(c => c is not ('#' or '"'))]);

    // Nested mappings deeper than pnpm writes (peerDependenciesMeta: 3) are left to YamlDotNet and its depth limit.
    private const int MaxDepth = 8;

    // A flow or block sequence's value: the readers use none of its items.
    private static readonly object Sequence = new();

    /// <summary>A <c>packages</c> entry (the text from its key line to the next entry), as <c>PnpmLockEvents.Read("packages:\n" + block)</c> reads it; null when it is not of the plain shape.</summary>
    public static PnpmLockContent? ReadPackage(string block)
    {
        if (Entry(block) is not var (key, value)) return null;
        var content = new PnpmLockContent(null);
        // The key is on the entry's first line: the second of the document the events reader is given.
        content.Packages.Add(Package(key, 2, value));
        return content;
    }

    /// <summary>A <c>snapshots</c> entry, as <c>PnpmLockEvents.Read("snapshots:\n" + block)</c> reads it; null when it is not of the plain shape.</summary>
    public static PnpmLockContent? ReadSnapshot(string block)
    {
        if (Entry(block) is not var (key, value)) return null;
        var content = new PnpmLockContent(null);
        content.Snapshots.Add((key, Requirements(value)));
        return content;
    }

    /// <summary>
    /// A whole document of the plain shape, as <see cref="PnpmLockEvents.Read"/> reads it: what <see cref="PnpmLockBlocks"/> reads
    /// of the file outside its sections' entries (the lockfile version, the importers, a one-line marker for each section); null
    /// when it is not of the plain shape.
    /// </summary>
    public static PnpmLockContent? ReadDocument(string text)
    {
        var lines = Lines(text);
        var next = 0;
        if (lines is null || lines.Count == 0 || lines[0].Indent != 0 || Mapping(text, lines, ref next, 0, 0) is not { } top || next != lines.Count) return null;
        var content = new PnpmLockContent(null);
        List<(string, List<string>)>? snapshots = null;
        List<PnpmLockPackage>? packages = null;
        var importers = new List<string>();
        var topGroups = new List<string>();
        string? version = null;
        for (var i = 0; i < top.Count; i++)
        {
            var (key, value) = top[i];
            switch (key)
            {
                case "lockfileVersion":
                    version = value as string;
                    break;
                case "importers" when value is Map byPath:
                    foreach (var (_, importer) in byPath)
                    {
                        if (importer is not Map groups) continue;
                        foreach (var (group, names) in groups)
                        {
                            if (group is "dependencies" or "devDependencies" or "optionalDependencies") Keys(names, importers, nonEmpty: false);
                        }
                    }

                    break;
                case "dependencies" or "devDependencies" or "optionalDependencies":
                    Keys(value, topGroups, nonEmpty: false);
                    break;
                case "snapshots":
                    snapshots = [];
                    if (value is Map bySnapshot)
                    {
                        foreach (var (snapshot, entry) in bySnapshot) snapshots.Add((snapshot, Requirements(entry)));
                    }

                    break;
                case "packages":
                    packages = [];
                    if (value is Map byKey)
                    {
                        for (var p = 0; p < byKey.Count; p++)
                        {
                            // A flow mapping's keys are on its key's line; a block mapping's each on its own.
                            var line = byKey.KeyLines is { } keyLines ? keyLines[p] : top.KeyLines![i];
                            packages.Add(Package(byKey[p].Key, line, byKey[p].Value));
                        }
                    }

                    break;
            }
        }

        content = new PnpmLockContent(version);
        content.Direct.UnionWith(importers);
        content.Direct.UnionWith(topGroups);
        if (snapshots is not null) content.Snapshots.AddRange(snapshots);
        if (packages is not null) content.Packages.AddRange(packages);
        return content;
    }

    // A packages entry's scalars and requirements, as the events reader's Package reads them.
    private static PnpmLockPackage Package(string key, int line, object value)
    {
        if (value is not Map fields) return new PnpmLockPackage(key, line);
        string? name = null, version = null, dev = null, tarball = null, repo = null, commit = null, directory = null, integrity = null;
        var requires = new List<string>();
        var optional = new List<string>();
        foreach (var (field, fieldValue) in fields)
        {
            switch (field)
            {
                case "name": name = fieldValue as string; break;
                case "version": version = fieldValue as string; break;
                case "dev": dev = fieldValue as string; break;
                case "dependencies": Keys(fieldValue, requires, nonEmpty: true); break;
                case "optionalDependencies": Keys(fieldValue, optional, nonEmpty: true); break;
                case "resolution" when fieldValue is Map resolution:
                    foreach (var (part, partValue) in resolution)
                    {
                        switch (part)
                        {
                            case "tarball": tarball = partValue as string; break;
                            case "repo": repo = partValue as string; break;
                            case "commit": commit = partValue as string; break;
                            case "directory": directory = partValue as string; break;
                            case "integrity": integrity = partValue as string; break;
                        }
                    }

                    break;
            }
        }

        requires.AddRange(optional);
        return new PnpmLockPackage(key, line)
        {
            Name = name, Version = version, Tarball = tarball, Repo = repo, Commit = commit, Directory = directory, Integrity = integrity, Dev = dev, Requires = requires,
        };
    }

    // A node's dependencies and optionalDependencies names (non-empty), in that order, as the events reader's Requirements lists them.
    private static List<string> Requirements(object value)
    {
        var requires = new List<string>();
        if (value is not Map fields) return requires;
        var optional = new List<string>();
        foreach (var (field, fieldValue) in fields)
        {
            if (field == "dependencies") Keys(fieldValue, requires, nonEmpty: true);
            else if (field == "optionalDependencies") Keys(fieldValue, optional, nonEmpty: true);
        }

        requires.AddRange(optional);
        return requires;
    }

    // The keys of a mapping value (non-empty ones only, if asked), in order (anything else has none), as the events reader's KeysOf lists them.
    private static void Keys(object value, List<string> names, bool nonEmpty)
    {
        if (value is not Map map) return;
        foreach (var (name, _) in map)
        {
            if (!nonEmpty || name.Length > 0) names.Add(name);
        }
    }

    // The entry's key and value (a string, a Map, or Sequence): a mapping of one key at two spaces, from the block's first line;
    // null when not of the plain shape.
    private static (string Key, object Value)? Entry(string block)
    {
        var lines = Lines(block);
        var next = 0;
        if (lines is null || lines.Count == 0 || lines[0].Start != 2 || lines[0].Indent != 2) return null;
        return Mapping(block, lines, ref next, 2, 0) is [var entry] && next == lines.Count ? entry : null;
    }

    // The non-blank lines: where their text starts (after the indent) and ends, and their indent; null when a character or a
    // line is outside the plain shape.
    private static List<TextLine>? Lines(string block)
    {
        // Sized once (a vectorised count): the rest of a large lockfile has thousands of lines, and a list grown by doubling
        // copies them again at every step.
        var lines = new List<TextLine>(block.AsSpan().Count('\n') + 1);
        var position = 0;
        var number = 0;
        while (position < block.Length)
        {
            var end = block.IndexOf('\n', position);
            if (end < 0) end = block.Length;
            number++;
            if (end - position > MaxLine) return null;
            var indent = 0;
            while (position + indent < end && block[position + indent] == ' ') indent++;
            if (block.AsSpan(position + indent, end - position - indent).ContainsAnyExcept(PlainCharacters)) return null;

            if (position + indent < end)
            {
                // Trailing spaces or an odd indent: not as pnpm writes.
                if (block[end - 1] == ' ' || indent % 2 != 0) return null;
                lines.Add(new TextLine(position + indent, end, indent, number));
            }

            position = end + 1;
        }

        return lines;
    }

    // A block mapping whose keys are at `indent`, from line `next`; ends before the first line less indented. Null when a line
    // does not fit.
    private static Map? Mapping(string block, List<TextLine> lines, ref int next, int indent, int depth)
    {
        if (depth > MaxDepth) return null;
        var map = new Map();
        while (next < lines.Count && lines[next].Indent >= indent)
        {
            var line = lines[next];
            if (line.Indent != indent || KeyLine(block, line) is not var (key, rest)) return null;
            next++;
            object? value;
            if (rest is null && next < lines.Count && lines[next].Indent == indent + 2 && block[lines[next].Start] == '-') value = Items(block, lines, ref next, indent + 2);
            else if (rest is null) value = next < lines.Count && lines[next].Indent == indent + 2 ? Mapping(block, lines, ref next, indent + 2, depth + 1) : null;
            else value = Inline(block, rest.Value.Start, rest.Value.End);
            if (value is null || !map.TryAdd(key, value)) return null;
            // The lines of the keys of the top and of its mappings (a document's packages are placed by them).
            if (depth <= 1) (map.KeyLines ??= []).Add(line.Number);
        }

        return map;
    }

    // A block sequence of scalars ("- item" lines at `indent`, as transitivePeerDependencies is written); null when a line does not fit.
    private static object? Items(string block, List<TextLine> lines, ref int next, int indent)
    {
        while (next < lines.Count && lines[next].Indent >= indent)
        {
            var line = lines[next];
            if (line.Indent != indent || line.End - line.Start < 3 || block[line.Start] != '-' || block[line.Start + 1] != ' ') return null;
            if (Inline(block, line.Start + 2, line.End) is not string) return null;
            next++;
        }

        return Sequence;
    }

    // "key:" or "key: value": the key, and where the value's text is (null when there is none).
    private static (string Key, (int Start, int End)? Value)? KeyLine(string block, TextLine line)
    {
        string key;
        int colon;
        if (block[line.Start] == '\'')
        {
            if (Quoted(block, line.Start, line.End, out colon) is not { } quoted) return null;
            key = quoted;
        }
        else
        {
            // A plain key ends at the first ": " or at a ':' that ends the line (a URL's "https:" is inside it).
            colon = block.IndexOf(": ", line.Start, line.End - line.Start, StringComparison.Ordinal);
            if (colon < 0) colon = block[line.End - 1] == ':' ? line.End - 1 : -1;
            if (colon < 0 || !Plain(block, line.Start, colon, flow: false)) return null;
            key = block.Substring(line.Start, colon - line.Start);
        }

        if (colon >= line.End || block[colon] != ':') return null;
        if (colon + 1 == line.End) return (key, null);
        // "key: value", one space: the value is not empty and not spaced.
        if (block[colon + 1] != ' ' || colon + 2 >= line.End || block[colon + 2] == ' ') return null;
        return (key, (colon + 2, line.End));
    }

    // A value on one line: a flow mapping or sequence, a single-quoted scalar, or a plain one; null when not of those shapes.
    private static object? Inline(string block, int start, int end)
    {
        switch (block[start])
        {
            case '{':
                return Flow(block, start, end, '}');
            case '[':
                return Flow(block, start, end, ']');
            case '\'':
                return Quoted(block, start, end, out var after) is { } quoted && after == end ? quoted : null;
            default:
                return Plain(block, start, end, flow: false) ? block.Substring(start, end - start) : null;
        }
    }

    // "{k: v, k2: v2}" or "[a, b]", exactly so spaced, of scalars only, ending the line.
    private static object? Flow(string block, int start, int end, char close)
    {
        var map = close == '}' ? new Map() : null;
        var position = start + 1;
        if (position < end && block[position] == close) return position + 1 == end ? map ?? Sequence : null;
        while (true)
        {
            string? key = null;
            if (map is not null)
            {
                key = FlowScalar(block, ref position, end);
                if (key is null || position + 1 >= end || block[position] != ':' || block[position + 1] != ' ') return null;
                position += 2;
            }

            // An empty collection inside (a section's marker: "{__pipewatch_section_3: {}}"), or a scalar.
            object? value;
            if (position + 1 < end && block[position] == '{' && block[position + 1] == '}') (value, position) = (new Map(), position + 2);
            else if (position + 1 < end && block[position] == '[' && block[position + 1] == ']') (value, position) = (Sequence, position + 2);
            else value = FlowScalar(block, ref position, end);
            if (value is null || (map is not null && !map.TryAdd(key!, value))) return null;
            if (position >= end) return null;
            if (block[position] == close) return position + 1 == end ? map ?? Sequence : null;
            if (block[position] != ',' || position + 1 >= end || block[position + 1] != ' ') return null;
            position += 2;
        }
    }

    // A scalar inside a flow collection; `position` is left after it.
    private static string? FlowScalar(string block, ref int position, int end)
    {
        if (position >= end) return null;
        if (block[position] == '\'')
        {
            var quoted = Quoted(block, position, end, out var after);
            position = after;
            return quoted;
        }

        // A plain scalar ends at a ',', the collection's close, or a ": ".
        var from = position;
        while (position < end && block[position] is not (',' or '}' or ']') && !(block[position] == ':' && position + 1 < end && block[position + 1] == ' ')) position++;
        return Plain(block, from, position, flow: true) ? block.Substring(from, position - from) : null;
    }

    // A single-quoted scalar from `start` (its quote), '' standing for one quote; `after` is the position after the closing quote.
    private static string? Quoted(string block, int start, int end, out int after)
    {
        after = end;
        var value = new System.Text.StringBuilder();
        for (var i = start + 1; i < end; i++)
        {
            if (block[i] != '\'')
            {
                value.Append(block[i]);
                continue;
            }

            if (i + 1 < end && block[i + 1] == '\'')
            {
                value.Append('\'');
                i++;
                continue;
            }

            after = i + 1;
            return value.ToString();
        }

        return null;
    }

    // A plain scalar of the safe kind: not empty, a letter, digit or one of "/._(^~+=$" first, no quote, bracket or comma, single
    // spaces only inside, a ':' only inside and not before a space (in a flow collection, nor before a flow indicator).
    private static bool Plain(string block, int start, int end, bool flow)
    {
        if (end <= start || block[end - 1] == ' ') return false;
        var first = block[start];
        if (!char.IsAsciiLetterOrDigit(first) && first is not ('/' or '.' or '_' or '(' or '^' or '~' or '+' or '=' or '$')) return false;
        for (var i = start; i < end; i++)
        {
            switch (block[i])
            {
                case '\'' or ',' or '[' or ']' or '{' or '}':
                    return false;
                case ' ' when block[i + 1] == ' ':
                    return false;
                case ':' when i + 1 == end || block[i + 1] == ' ' || (flow && block[i + 1] is ',' or '[' or ']' or '{' or '}'):
                    return false;
            }
        }

        return true;
    }

    // A line's text (after its indent), its indent and its number (1-based, blank lines counted).
    private readonly record struct TextLine(int Start, int End, int Indent, int Number);

    // A mapping's entries in order, each key once (a key written twice is left to YamlDotNet's readers to judge).
    private sealed class Map : List<(string Key, object Value)>
    {
        /// <summary>The line of each key, for a block mapping near the top; null for a flow mapping (its keys are on its key's line).</summary>
        public List<int>? KeyLines { get; set; }

        // Looked up by a set once the mapping is long (a hostile entry may have thousands of keys).
        private HashSet<string>? _keys;

        public bool TryAdd(string key, object value)
        {
            if (_keys is null && Count >= 16) _keys = new HashSet<string>(this.Select(e => e.Key), StringComparer.Ordinal);
            if (_keys is not null)
            {
                if (!_keys.Add(key)) return false;
            }
            else
            {
                foreach (var (held, _) in this)
                {
                    if (held == key) return false;
                }
            }

            Add((key, value));
            return true;
        }
    }
}
