using System.Text;
using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>The line splitter of <see cref="NpmPackageLockLayout"/>: lines of npm's shape into segments, each checked as JSON on its own.</summary>
internal static partial class NpmPackageLockLayout
{
    private const string PackagesKind = "npm-package-lock|packages";
    private const string ProjectKind = PackagesKind + "|project";
    private const string V1Kind = "npm-package-lock|dependencies";

    // An entry sits in root → section → entry: wrapped alone in braces it is one level less deep than in the file.
    private static readonly JsonReaderOptions EntryOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 255 };
    private static readonly JsonReaderOptions RootLineOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

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
}
