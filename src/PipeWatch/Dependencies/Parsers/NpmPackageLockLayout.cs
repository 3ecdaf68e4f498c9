using System.Text;
using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// A <c>package-lock.json</c> as npm writes it (JSON indented by two spaces) cut into line segments — the root's lines, each
/// entry of <c>packages</c> or <c>dependencies</c> — so that a history scan makes the next version from this one and the
/// change's <c>-U0</c> hunks (<see cref="LockfileLayout.Follow"/>), reading only the entries the hunks touch.
/// </summary>
/// <remarks>
/// Gives exactly what the whole-file parse gives, or null (the caller then reads the text another way). The whole parse checks
/// the text as JSON; here each segment is checked on its own (an entry is exactly one member <c>"name": {…}</c>, a root line one
/// member with a one-line value) and their joins by the state and comma each segment ends with, so the text is valid JSON when
/// every segment and every join is. Lines are those of the whole parse's forward search for <c>"name": {</c> (see
/// <see cref="LineIndex.Next"/>): an entry's search must find its own key, which is checked again only where the text between
/// it and the previous match changed. Only ASCII text with lines of npm's shape is split; anything else (minified JSON, tabs,
/// a comment where a line must start, a second <c>packages</c> or project entry, a change of <c>lockfileVersion</c>) is null.
/// </remarks>
internal static class NpmPackageLockLayout
{
    private const string PackagesKind = "npm-package-lock|packages";
    private const string ProjectKind = PackagesKind + "|project";
    private const string V1Kind = "npm-package-lock|dependencies";

    // The state after a segment's last line (LockfileSegment.End): where the next line stands in the JSON.
    private const int Start = 0, Root = 1, InPackages = 2, InV1 = 3, InSkipped = 4, Done = 5;

    // What a segment is (LockfileSegment.Kind, low byte), and whether it ends with the comma that separates it from a next member.
    private const int Open = 1, Member = 2, SectionOpen = 3, SectionClose = 4, Close = 5, Trailing = 6, PackagesEntry = 7, V1Entry = 8, SkippedEntry = 9, EmptySection = 10;
    private const int Comma = 0x100;

    // An entry sits in root → section → entry: wrapped alone in braces it is one level less deep than in the file.
    private static readonly JsonReaderOptions EntryOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 255 };
    private static readonly JsonReaderOptions RootLineOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

    /// <summary>The whole text cut into segments and read; null when it is not split (see the remarks).</summary>
    public static LockfileParse? Read(string text, LockfileBlockMemo memo)
    {
        if (text.Length == 0 || !Ascii.IsValid(text)) return null;
        // npm indents as the project's package.json does (two spaces, a tab…): the root's first member line says by what.
        var second = text.IndexOf('\n') + 1;
        var rest = text.AsSpan(second <= 0 ? text.Length : second);
        var indent = rest.Length - rest.TrimStart(" \t").Length is var width and > 0 ? rest[..width].ToString() : "  ";
        // Which section the whole parse reads decides how "dependencies" reads: checked by the segments (exactly one such line).
        var shape = new Shape(text.Contains("\n" + indent + "\"packages\": {", StringComparison.Ordinal), null, indent);
        if (Split(text, 0, int.MaxValue, Start, shape, memo) is not { } segments) return null;
        return Build(text, segments, shape, null);
    }

    /// <summary>True when <paramref name="layout"/> was made here (its next version follows it by <see cref="Follow"/>).</summary>
    public static bool Made(LockfileLayout layout) => layout.Whole is Shape;

    /// <summary>The next version made from <paramref name="previous"/> (a layout this class made) and the change's edits, with what it changed; null when it cannot be.</summary>
    public static LockfileParse? Follow(string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits)
    {
        if (previous.Whole is not Shape shape || text.Length == 0) return null;
        var segments = previous.Follow(edits, text, (t, start, lines, _, before) => Split(t, start, lines, before?.End ?? Start, shape, memo), out var changed, out var replaced);
        if (segments is null) return null;
        return Build(text, segments, shape, (previous, changed, replaced));
    }

    // Cuts `lines` lines (all: int.MaxValue) of the text from `start`, in `state`, into segments; null for a line npm does not
    // write or a JSON error (the whole-file parse reports it).
    private static List<LockfileSegment>? Split(string text, int start, int lines, int state, Shape shape, LockfileBlockMemo memo)
    {
        var made = new List<LockfileSegment>();
        var position = start;
        var read = 0;
        while (read < lines && position < text.Length)
        {
            var (lineStart, lineLength, next) = LineAt(text, position);
            var line = text.AsSpan(lineStart, lineLength);
            var count = 1;
            int kind;
            object? value = null;
            bool comma;
            switch (state)
            {
                case Start:
                    if (line is not "{") return null;
                    (kind, state) = (Open, Root);
                    break;
                case Root when line is "}":
                    (kind, state) = (Close, Done);
                    break;
                case Root when line.SequenceEqual(shape.PackagesOpen):
                    (kind, value, state) = (SectionOpen, "packages", InPackages);
                    break;
                case Root when line.SequenceEqual(shape.DependenciesOpen):
                    (kind, value, state) = (SectionOpen, "dependencies", shape.HasPackages ? InSkipped : InV1);
                    break;
                case Root when Is(line, shape.PackagesEmpty, out comma) || Is(line, shape.DependenciesEmpty, out comma):
                    // A section with no entries (npm writes '"dependencies": {}' beside "packages" when there are none).
                    (kind, value) = (EmptySection | (comma ? Comma : 0), line[shape.Indent.Length + 1] == 'p' ? "packages" : "dependencies");
                    break;
                case Root:
                    // Any other member of the root, its value on this line or on lines indented deeper ('"files": [' … '],').
                    var member = Block(text, position, line, shape.Indent, shape.Entry, lines - read, out count, out next, out var end);
                    if (RootMember(member) is not { } key) return null;
                    (kind, value) = (Member | (end ? Comma : 0), new RootLine(key, key == "lockfileVersion" ? member.ToString() : ""));
                    break;
                case InPackages or InV1 or InSkipped when Is(line, shape.SectionClose, out comma):
                    (kind, state) = (SectionClose | (comma ? Comma : 0), Root);
                    break;
                case InPackages or InV1 or InSkipped:
                    if (Entry(text, position, line, lines - read, state, shape, memo, out count, out next, out value) is not { } entryKind) return null;
                    kind = entryKind;
                    break;
                default:
                    // After the root object: only blank lines (JSON whitespace).
                    if (line.ContainsAnyExcept(' ', '\t')) return null;
                    kind = Trailing;
                    break;
            }

            made.Add(new LockfileSegment(count, next - position, kind, value, state));
            position = next;
            read += count;
        }

        return lines == int.MaxValue || read == lines ? made : null;
    }

    // The member that starts on `first` (at `position`, indented by `indent`): that line when it holds the whole value, or the
    // lines to the one indented by `indent` that closes it ('}', ']', with or without a comma), every line between indented by
    // `deeper`. The block runs from the member's key to its closing character (without the comma, which `comma` says), ASCII;
    // null when the lines are not so.
    private static ReadOnlySpan<char> Block(string text, int position, ReadOnlySpan<char> first, string indent, string deeper, int linesLeft, out int count, out int next, out bool comma)
    {
        (count, next, comma) = (1, LineAt(text, position).Next, false);
        if (first.Length <= indent.Length || !first.StartsWith(indent, StringComparison.Ordinal) || first[indent.Length] != '"') return default;
        var closing = first;
        var closeStart = position;
        if (first.EndsWith('{') || first.EndsWith('['))
        {
            var close = first[^1] == '{' ? '}' : ']';
            while (true)
            {
                if (count >= linesLeft || next >= text.Length) return default;
                var (lineStart, lineLength, after) = LineAt(text, next);
                var line = text.AsSpan(lineStart, lineLength);
                count++;
                (closeStart, next) = (next, after);
                if (line.Length is var length && (length == indent.Length + 1 || (length == indent.Length + 2 && line[^1] == ',')) && line.StartsWith(indent, StringComparison.Ordinal) && line[indent.Length] == close)
                {
                    closing = line;
                    break;
                }

                if (!line.StartsWith(deeper, StringComparison.Ordinal)) return default;
            }
        }

        comma = closing.EndsWith(',');
        var blockStart = position + indent.Length;
        var blockEnd = closeStart + closing.Length - (comma ? 1 : 0);
        var block = text.AsSpan(blockStart, blockEnd - blockStart);
        return Ascii.IsValid(block) ? block : default;
    }

    // One entry from its first line at `position`: '    "name": {' and the lines up to '    }' (or one line '    "name": {…}'),
    // checked as exactly one member whose object ends on the closing line, and read (through the memo).
    private static int? Entry(string text, int position, ReadOnlySpan<char> first, int linesLeft, int state, Shape shape, LockfileBlockMemo memo, out int count, out int next, out object? value)
    {
        value = null;
        var block = Block(text, position, first, shape.Entry, shape.Content, linesLeft, out count, out next, out var end);
        if (block.IsEmpty || block[^1] != '}' || MemberName(block) is not { } name) return null;
        var comma = end ? Comma : 0;
        switch (state)
        {
            case InPackages:
                var entry = memo.Get(PackagesKind, block, b => NpmPackageLockBlocks.Read(b, NpmPackageLockParser.ReadPackagesEntry));
                var project = name.Length == 0 ? memo.Get(ProjectKind, block, b => NpmPackageLockBlocks.Read(b, p => new NpmPackageLockBlocks.ProjectEntry(NpmPackageLockParser.ProjectKeys(p.Value)))) : null;
                value = new Segment(entry, project, [0], shape.Entry.Length + entry.Needle.Length);
                return PackagesEntry | comma;
            case InV1:
                var top = memo.Get(V1Kind, block, b => NpmPackageLockBlocks.Read(b, NpmPackageLockParser.ReadV1Entry));
                if (V1Lines(text, position, shape.Entry.Length, next, top) is not { } found) return null;
                value = new Segment(top, null, found.Lines, found.Cursor);
                return V1Entry | comma;
            default:
                return SkippedEntry | comma;
        }
    }

    // True when the line is `pattern`, or `pattern` and a comma (said by `comma`).
    private static bool Is(ReadOnlySpan<char> line, string pattern, out bool comma)
    {
        comma = line.Length == pattern.Length + 1 && line[^1] == ',';
        return (line.Length == pattern.Length || comma) && line.StartsWith(pattern, StringComparison.Ordinal);
    }

    // The lines (from the segment's first) the whole parse's search finds a version 1 entry's packages at, and where it stops
    // (from the segment's start); the first is its key, checked by Build. Null when a nested one is not found in the segment.
    private static (int[] Lines, int Cursor)? V1Lines(string text, int start, int indent, int end, NpmPackageLockParser.V1Entry top)
    {
        var lines = new int[top.Packages.Length];
        var cursor = start + indent + top.Packages[0].Needle.Length;
        var line = 0;
        var counted = start;
        for (var i = 1; i < lines.Length; i++)
        {
            var needle = top.Packages[i].Needle;
            var at = text.IndexOf(needle, cursor, end - cursor, StringComparison.Ordinal);
            if (at < 0) return null;
            line += text.AsSpan(counted, at - counted).Count('\n');
            (lines[i], counted, cursor) = (line, at, at + needle.Length);
        }

        return (lines, cursor - start);
    }

    // The name of the one member '"name": {…}' that is the whole block, or null (a JSON error, or more or less than that).
    private static string? MemberName(ReadOnlySpan<char> block)
    {
        var bytes = Wrapped(block);
        try
        {
            var reader = new Utf8JsonReader(bytes, EntryOptions);
            if (!reader.Read() || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return null;
            var name = reader.GetString();
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            reader.Skip();
            // The entry's object must close at the block's last character, the wrapper's brace right after it, then nothing.
            if (reader.TokenStartIndex != block.Length) return null;
            return reader.Read() && reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? name : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The key of a root member '"key": value' that is the whole block (not a section the parse reads), or null.
    private static string? RootMember(ReadOnlySpan<char> block)
    {
        if (block.IsEmpty) return null;
        var bytes = Wrapped(block);
        try
        {
            var reader = new Utf8JsonReader(bytes, RootLineOptions);
            if (!reader.Read() || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return null;
            // A section written another way ('"packages": []', on one line, escaped) is left to the whole parse.
            if (reader.ValueTextEquals("packages"u8) || reader.ValueTextEquals("dependencies"u8)) return null;
            var key = reader.GetString()!;
            if (!reader.Read()) return null;
            reader.Skip();
            return reader.Read() && reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? key : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // '{' + text + '}' as bytes (ASCII: one byte per character).
    private static byte[] Wrapped(ReadOnlySpan<char> text)
    {
        var bytes = new byte[text.Length + 2];
        bytes[0] = (byte)'{';
        Encoding.ASCII.GetBytes(text, bytes.AsSpan(1));
        bytes[^1] = (byte)'}';
        return bytes;
    }

    // The line at `position` without its line end ("\n", "\r\n"): its start and length, and where the next line starts.
    private static (int Start, int Length, int Next) LineAt(string text, int position)
    {
        var end = text.IndexOf('\n', position);
        var next = end < 0 ? text.Length : end + 1;
        var stop = end < 0 ? text.Length : end;
        if (stop > position && text[stop - 1] == '\r') stop--;
        return (position, stop - position, next);
    }

    // The packages of a version cut into segments: checks every join and every search the segments' text could have changed,
    // then builds the list as the whole parse does; for a version made from a previous one, also what it changed.
    private static LockfileParse? Build(string text, List<LockfileSegment> segments, Shape shape, (LockfileLayout Previous, List<int> Changed, List<int> Replaced)? follow)
    {
        bool[]? made = null;
        if (follow is { } f)
        {
            made = new bool[segments.Count];
            foreach (var i in f.Changed) made[i] = true;
        }

        var entries = new List<(Segment Segment, int Line, bool Made)>();
        HashSet<string>? direct = null;
        var (projects, packagesSections, dependencySections) = (0, 0, 0);
        string? lockfileVersion = null;
        var (line, position, cursor) = (1, 0, 0);
        var recheck = made is null;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var kind = segment.Kind & 0xFF;
            var isMade = made is null || made[i];
            recheck |= isMade;
            var before = i == 0 ? Start : segments[i - 1].End;
            if (!Follows(kind, before)) return null;
            // Members are separated by commas (a comma before a closing brace is allowed: the parse allows trailing commas).
            if (i > 0 && IsMemberStart(kind) && IsMemberEnd(segments[i - 1].Kind & 0xFF) && (segments[i - 1].Kind & Comma) == 0) return null;
            switch (segment.Value)
            {
                case "packages":
                    packagesSections++;
                    break;
                case "dependencies":
                    dependencySections++;
                    break;
                case RootLine { Key: "lockfileVersion" } version:
                    lockfileVersion = version.Text;
                    break;
                case Segment entry when kind is PackagesEntry or V1Entry:
                    // The whole parse's search, from the previous match, must find this entry's key first.
                    var needle = entry.Needle;
                    var key = position + shape.Entry.Length;
                    if (key + needle.Length > text.Length) return null;
                    if (recheck && text.IndexOf(needle, cursor, key + needle.Length - cursor, StringComparison.Ordinal) != key) return null;
                    if (entry.Project is { } project)
                    {
                        projects++;
                        direct = project.Keys;
                    }

                    entries.Add((entry, line, isMade));
                    cursor = position + entry.Cursor;
                    recheck = isMade;
                    break;
            }

            position += segment.Chars;
            line += segment.Lines;
        }

        if (segments.Count == 0 || segments[^1].End != Done || position != text.Length) return null;
        if (projects > 1 || packagesSections != (shape.HasPackages ? 1 : 0) || dependencySections > 1) return null;
        // A change of lockfile version is left to the whole parse, as a change of how the file is read.
        if (follow is not null && shape.LockfileVersion != lockfileVersion) return null;
        shape = follow is null ? shape with { LockfileVersion = lockfileVersion } : shape;

        List<object> gone = [];
        var isNew = follow is { } g ? New(entries, g.Previous, g.Replaced, out gone) : null;
        var found = new List<Dependency>();
        var added = isNew is null ? null : new List<Dependency>();
        if (shape.HasPackages)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                var (segment, entryLine, _) = entries[i];
                if (segment.Entry is not NpmPackageLockParser.PackagesEntry { Template: { } template } entry) continue;
                var dependency = template with { Direct = entry.TopLevel && direct?.Contains(entry.Folder) == true, Line = entryLine };
                found.Add(dependency);
                if (isNew?[i] == true) added!.Add(dependency);
            }
        }
        else
        {
            // Version 1: a top-level entry nothing else requires is direct (as the whole parse takes it).
            var required = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (segment, _, _) in entries) required.UnionWith(((NpmPackageLockParser.V1Entry)segment.Entry).Requires);
            for (var i = 0; i < entries.Count; i++)
            {
                var (segment, entryLine, _) = entries[i];
                var packages = ((NpmPackageLockParser.V1Entry)segment.Entry).Packages;
                for (var p = 0; p < packages.Length; p++)
                {
                    var package = packages[p];
                    var dependency = package.Template with { Direct = package.TopLevel && !required.Contains(package.EntryName), Line = entryLine + segment.Lines[p] };
                    found.Add(dependency);
                    if (isNew?[i] == true) added!.Add(dependency);
                }
            }
        }

        var parse = LockfileParse.Of(found) with { Layout = new LockfileLayout(segments, shape) };
        return added is null ? parse : parse with { Delta = new LockfileDelta([.. gone.SelectMany(NpmPackageLockBlocks.PackagesOf)], added) };
    }

    // Which entries the change made that the old segments it replaced did not hold (by object: the memo's one per text), and
    // the replaced ones it no longer holds.
    private static bool[] New(List<(Segment Segment, int Line, bool Made)> entries, LockfileLayout previous, List<int> replaced, out List<object> gone)
    {
        var held = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        foreach (var r in replaced)
        {
            if (previous.Segments[r].Value is Segment { Entry: var entry }) held[entry] = held.GetValueOrDefault(entry) + 1;
        }

        var isNew = new bool[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            if (!entries[i].Made) continue;
            var entry = entries[i].Segment.Entry;
            if (held.TryGetValue(entry, out var count) && count > 0) held[entry] = count - 1;
            else isNew[i] = true;
        }

        gone = [];
        foreach (var (entry, count) in held)
        {
            for (var i = 0; i < count; i++) gone.Add(entry);
        }

        return isNew;
    }

    // Whether a segment of this kind may follow a segment that ends in `state`.
    private static bool Follows(int kind, int state) => kind switch
    {
        Open => state == Start,
        Member or SectionOpen or EmptySection or Close => state == Root,
        SectionClose => state is InPackages or InV1 or InSkipped,
        PackagesEntry => state == InPackages,
        V1Entry => state == InV1,
        SkippedEntry => state == InSkipped,
        _ => state == Done,
    };

    private static bool IsMemberStart(int kind) => kind is Member or SectionOpen or EmptySection or PackagesEntry or V1Entry or SkippedEntry;

    private static bool IsMemberEnd(int kind) => kind is Member or SectionClose or EmptySection or PackagesEntry or V1Entry or SkippedEntry;

    /// <summary>What a layout of this class holds besides its segments: which section is read, and the lockfile version's line.</summary>
    // The line a root member starts with (by which it is indented), and the lines npm writes at the root and around sections.
    private sealed record Shape(bool HasPackages, string? LockfileVersion, string Indent)
    {
        public string Entry { get; } = Indent + Indent;

        public string Content { get; } = Indent + Indent + Indent;

        public string PackagesOpen { get; } = Indent + "\"packages\": {";

        public string DependenciesOpen { get; } = Indent + "\"dependencies\": {";

        public string PackagesEmpty { get; } = Indent + "\"packages\": {}";

        public string DependenciesEmpty { get; } = Indent + "\"dependencies\": {}";

        public string SectionClose { get; } = Indent + "}";
    }

    // A root line: its key, and its text without the separating comma.
    private sealed record RootLine(string Key, string Text);

    // A read entry: what the parser read (the memo's object), the project's requirements for the project entry, the line of
    // each of its packages from the segment's first, and where the whole parse's search stops in it (from the segment's start).
    private sealed record Segment(object Entry, NpmPackageLockBlocks.ProjectEntry? Project, int[] Lines, int Cursor)
    {
        public string Needle => Entry is NpmPackageLockParser.PackagesEntry p ? p.Needle : ((NpmPackageLockParser.V1Entry)Entry).Packages[0].Needle;
    }
}
