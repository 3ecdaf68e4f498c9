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
        var entries = new List<(Entry Entry, int Line)>();
        var blockStart = -1;
        var blockLine = 0;
        var number = 0;
        var position = 0;
        while (position <= text.Length)
        {
            var end = text.IndexOf('\n', position);
            if (end < 0) end = text.Length;
            number++;
            var line = text.AsSpan(position, end - position).TrimEnd('\r');
            if (line.Length > 0 && !line.TrimStart().StartsWith('#'))
            {
                if (!char.IsWhiteSpace(line[0]))
                {
                    if (!line.EndsWith(':')) return LockfileParse.Failed(path, $"expected an entry header ending in ':', found '{Clip(line.ToString())}'", number);
                    Close(position);
                    blockStart = position;
                    blockLine = number;
                }
                else if (blockStart < 0)
                {
                    return LockfileParse.Failed(path, "indented line before any entry", number);
                }
            }

            position = end + 1;
        }

        Close(text.Length);

        var berry = entries.Any(e => e.Entry.Header == "__metadata");
        var found = new List<Dependency>();
        var direct = new HashSet<string>(StringComparer.Ordinal);
        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (e, _) in entries)
        {
            var resolution = e.Fields.GetValueOrDefault("resolution") ?? "";
            if (e.Header == "__metadata") continue;
            if (berry && resolution.Contains("@workspace:", StringComparison.Ordinal)) direct.UnionWith(e.Requires);
            else required.UnionWith(e.Requires);
        }

        foreach (var (e, line) in entries)
        {
            if (e.Header == "__metadata") continue;
            var version = e.Fields.GetValueOrDefault("version") ?? "";
            DependencySource source;
            string name;
            if (berry)
            {
                var resolution = e.Fields.GetValueOrDefault("resolution") ?? "";
                var at = resolution.IndexOf('@', 1);
                if (at < 0 || resolution.Contains("@workspace:", StringComparison.Ordinal)) continue;
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

            var isDirect = berry ? direct.Contains(name) || e.Header.Split(',').Any(s => direct.Contains(FolderOf(s.Trim().Trim('"')))) : !required.Contains(name);
            found.Add(new Dependency(Ecosystems.Npm, name, version, isDirect, source, e.Fields.GetValueOrDefault("integrity") ?? e.Fields.GetValueOrDefault("checksum"), line)
            {
                Requires = e.Requires,
            });
        }

        return LockfileParse.Of(found);

        void Close(int at)
        {
            if (blockStart < 0) return;
            var block = text.AsSpan(blockStart, at - blockStart);
            entries.Add((memo is null ? ReadEntry(block.ToString()) : memo.Get(Format, block, ReadEntry), blockLine));
        }
    }

    // One entry: its header line, then its fields (indent up to 2) and the names under its dependencies (deeper).
    private static Entry ReadEntry(string block)
    {
        var lines = block.Split('\n');
        var current = new Entry(lines[0].TrimEnd('\r')[..^1]);
        var inDependencies = false;
        foreach (var raw in lines.AsSpan(1))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var indent = line.Length - line.TrimStart().Length;
            var (key, value) = Field(line.Trim());
            if (indent <= 2)
            {
                inDependencies = key is "dependencies" or "optionalDependencies";
                if (value.Length > 0) current.Fields[key] = value;
            }
            else if (inDependencies)
            {
                current.Requires.Add(key);
            }
        }

        return current;
    }

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

    private static (string Key, string Value) Field(string line)
    {
        // Berry writes "key: value", classic "key value"; either may quote both parts.
        var split = line.IndexOf(": ", StringComparison.Ordinal);
        if (split < 0 && line.EndsWith(':')) return (line[..^1].Trim('"'), "");
        if (split < 0) split = QuotedEnd(line);
        if (split < 0) return (line.Trim('"'), "");
        return (line[..split].Trim().TrimEnd(':').Trim('"'), line[(split + 1)..].Trim().Trim('"'));
    }

    private static int QuotedEnd(string line) =>
        line.StartsWith('"') ? line.IndexOf('"', 1) + 1 is var end and > 0 && end < line.Length ? end : -1 : line.IndexOf(' ');

    private static string Clip(string s) => s.Length > 60 ? s[..60] + "…" : s;

    // Read once and shared by every version of the file that has the same entry text: never changed after ReadEntry.
    private sealed class Entry(string header)
    {
        public string Header { get; } = header.Trim('"');

        public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

        public List<string> Requires { get; } = [];
    }
}
