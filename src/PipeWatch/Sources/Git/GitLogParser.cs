using System.Globalization;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>
/// Turns the byte stream of <c>git log --raw -p -U0 --format=</c><see cref="Format"/> (or of <c>git diff --raw -p -U0</c>)
/// into <see cref="GitCommit"/>s, one at a time, without holding more than one commit in memory.
/// </summary>
/// <remarks>
/// A commit is its header line (starting with byte 0x01, fields split by NUL), the <c>--raw</c> lines (one per changed file:
/// modes, blob ids, status, paths), then one <c>diff --git</c> section per file whose <c>+</c> lines are the added lines,
/// numbered from the <c>+start</c> of their hunk header. Sections are matched to raw entries by their <c>b/</c> path, so a
/// type change that git splits into two sections still lands on its one entry. Not thread-safe.
/// </remarks>
internal sealed class GitLogParser
{
    /// <summary>The <c>--format</c> the parser reads: a 0x01 marker, then sha, parents, author and committer name, e-mail and ISO date, subject.</summary>
    public const string Format = "%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%s";

    private const string NullBlob = "0000000000000000000000000000000000000000";
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly ByteLineReader _lines;
    private byte[]? _pendingHeader;
    private bool _pseudoPending;
    private readonly GitCommit? _pseudo;

    /// <param name="output">git's standard output.</param>
    /// <param name="pseudo">For <c>git diff</c> output, which has no header: the commit the whole stream belongs to.</param>
    public GitLogParser(Stream output, GitCommit? pseudo = null)
    {
        _lines = new ByteLineReader(output);
        _pseudo = pseudo;
        _pseudoPending = pseudo is not null;
    }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead => _lines.BytesRead;

    /// <summary>The next commit, or null at the end of the stream.</summary>
    public GitCommit? Next()
    {
        GitCommit head;
        if (_pseudoPending)
        {
            _pseudoPending = false;
            head = _pseudo!;
        }
        else
        {
            var header = _pendingHeader;
            _pendingHeader = null;
            while (header is null)
            {
                if (!_lines.TryRead(out var line)) return null;
                if (line.Length > 0 && line[0] == 1) header = line.ToArray();
            }

            head = ParseHeader(header);
        }

        var entries = new List<RawEntry>();
        var changes = new List<Builder>();
        Builder? current = null;
        var cursor = 0;
        var newLine = 0;
        var inHunk = false;
        while (_lines.TryRead(out var line))
        {
            if (line.Length == 0) continue;
            switch (line[0])
            {
                case 1 when _pseudo is null:
                    _pendingHeader = line.ToArray();
                    return Finish(head, entries, changes);
                case (byte)':':
                    if (ParseRaw(line) is { } entry)
                    {
                        entries.Add(entry);
                        changes.Add(new Builder(entry));
                    }

                    break;
                case (byte)'+' when current is not null:
                    if (!inHunk) break;
                    current.LastAdded = true;
                    current.LinesAdded++;
                    if (!current.Entry.Submodule) current.Added.Add(new AddedLine(newLine, Utf8.GetString(line[1..])));
                    newLine++;
                    break;
                case (byte)'-' when current is not null:
                    if (!inHunk) break;
                    current.LastAdded = false;
                    current.LinesDeleted++;
                    break;
                case (byte)' ' when current is not null && inHunk:
                    // A context line: -U0 has none, so such a patch is not followed to rebuild a version.
                    current.Unfollowed = true;
                    break;
                case (byte)'\\' when current is not null && inHunk:
                    // "\ No newline at end of file" after an added line: the new version ends without one.
                    if (current.LastAdded) current.NewEndsWithoutNewline = true;
                    break;
                case (byte)'@' when current is not null && line.StartsWith("@@ "u8):
                    newLine = HunkStart(line);
                    current.AddHunk(line);
                    current.LastAdded = false;
                    inHunk = true;
                    break;
                case (byte)'d' when line.StartsWith("diff --git "u8):
                    var text = Utf8.GetString(line);
                    var found = Match(entries, text, cursor);
                    if (found >= 0) cursor = found;
                    current = found >= 0 ? changes[found] : null;
                    if (current is not null) current.Sections++;
                    newLine = 0;
                    inHunk = false;
                    break;
                case (byte)'B' when current is not null && line.StartsWith("Binary files "u8):
                    current.Binary = true;
                    break;
            }
        }

        return Finish(head, entries, changes);
    }

    private static GitCommit Finish(GitCommit head, List<RawEntry> entries, List<Builder> changes)
    {
        var files = new GitFileChange[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            var b = changes[i];
            var e = b.Entry;
            files[i] = new GitFileChange(
                e.Path, e.OldPath, e.Kind, e.OldBlob, e.NewBlob,
                b.Binary ? 0 : b.LinesAdded, b.Binary ? 0 : b.LinesDeleted, b.Binary, b.Binary ? [] : b.Added)
            {
                Hunks = b.Hunks(),
            };
        }

        return head with { Files = files };
    }

    // The entry whose b/ path ends the section header, searched from the last match (sections follow the raw order).
    private static int Match(List<RawEntry> entries, string header, int from)
    {
        for (var i = from; i < entries.Count; i++)
        {
            if (header.EndsWith(entries[i].HeaderSuffix, StringComparison.Ordinal)) return i;
        }

        for (var i = 0; i < from && i < entries.Count; i++)
        {
            if (header.EndsWith(entries[i].HeaderSuffix, StringComparison.Ordinal)) return i;
        }

        return -1;
    }

    // "@@ -a,b +c,d @@" (",b" and ",d" left out when 1): the four numbers, or null when the header does not read so.
    private static int[]? HunkRanges(ReadOnlySpan<byte> line)
    {
        var ranges = new int[4];
        var at = 3;
        for (var side = 0; side < 2; side++)
        {
            if (at >= line.Length || line[at] != (side == 0 ? (byte)'-' : (byte)'+')) return null;
            at++;
            if (!Number(line, ref at, out ranges[side * 2])) return null;
            ranges[(side * 2) + 1] = 1;
            if (at < line.Length && line[at] == ',')
            {
                at++;
                if (!Number(line, ref at, out ranges[(side * 2) + 1])) return null;
            }

            if (at >= line.Length || line[at] != ' ') return null;
            at++;
        }

        return line[at..].StartsWith("@@"u8) ? ranges : null;
    }

    private static bool Number(ReadOnlySpan<byte> line, ref int at, out int value)
    {
        value = 0;
        var start = at;
        for (; at < line.Length && line[at] is >= (byte)'0' and <= (byte)'9'; at++)
        {
            if (value > (int.MaxValue - 9) / 10) return false;
            value = (value * 10) + (line[at] - '0');
        }

        return at > start;
    }

    // "@@ -a,b +c,d @@": added lines are numbered from c.
    private static int HunkStart(ReadOnlySpan<byte> line)
    {
        var plus = line.IndexOf((byte)'+');
        var value = 0;
        for (var i = plus + 1; i < line.Length && line[i] is >= (byte)'0' and <= (byte)'9'; i++) value = (value * 10) + (line[i] - '0');
        return value;
    }

    private static GitCommit ParseHeader(byte[] header)
    {
        var fields = Utf8.GetString(header.AsSpan(1)).Split('\0');
        string Field(int i) => i < fields.Length ? fields[i] : string.Empty;
        return new GitCommit(
            Field(0),
            Field(1).Length == 0 ? [] : Field(1).Split(' '),
            new GitIdentity(Field(2), Field(3), Date(Field(4))),
            new GitIdentity(Field(5), Field(6), Date(Field(7))),
            Field(8),
            SignatureState.Unknown,
            []);
    }

    private static DateTimeOffset Date(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var when) ? when : DateTimeOffset.UnixEpoch;

    // ":100644 100644 <old> <new> M\tpath" or "... R087\told\tnew".
    private static RawEntry? ParseRaw(ReadOnlySpan<byte> line)
    {
        var text = Utf8.GetString(line);
        var tab = text.IndexOf('\t', StringComparison.Ordinal);
        if (tab < 0) return null;
        var meta = text[1..tab].Split(' ');
        if (meta.Length < 5) return null;
        var paths = text[(tab + 1)..].Split('\t');
        var status = meta[4].Length > 0 ? meta[4][0] : 'M';
        var kind = status switch
        {
            'A' => FileChangeKind.Added,
            'D' => FileChangeKind.Deleted,
            'R' => FileChangeKind.Renamed,
            'C' => FileChangeKind.Copied,
            'T' => FileChangeKind.TypeChanged,
            _ => FileChangeKind.Modified,
        };
        var quotedNew = paths.Length > 1 ? paths[1] : paths[0];
        var newPath = GitPaths.Unquote(quotedNew);
        var oldPath = paths.Length > 1 ? GitPaths.Unquote(paths[0]) : null;
        var suffix = quotedNew.StartsWith('"') ? " \"b/" + quotedNew[1..] : " b/" + quotedNew;
        return new RawEntry(
            newPath, oldPath, kind,
            meta[2] == NullBlob ? null : meta[2],
            meta[3] == NullBlob ? null : meta[3],
            suffix,
            meta[1] == "160000" || meta[0] == "160000");
    }

    private sealed record RawEntry(string Path, string? OldPath, FileChangeKind Kind, string? OldBlob, string? NewBlob, string HeaderSuffix, bool Submodule);

    private sealed class Builder(RawEntry entry)
    {
        public RawEntry Entry { get; } = entry;

        public List<AddedLine> Added { get; } = [];

        public int LinesAdded { get; set; }

        public int LinesDeleted { get; set; }

        public bool Binary { get; set; }

        // For DiffHunks: the diff sections matched to this entry, each hunk's numbers, and what makes the patch unfit to follow.
        public int Sections { get; set; }

        public bool Unfollowed { get; set; }

        public bool LastAdded { get; set; }

        public bool NewEndsWithoutNewline { get; set; }

        private List<int>? _ranges;

        public void AddHunk(ReadOnlySpan<byte> header)
        {
            if (HunkRanges(header) is { } ranges) (_ranges ??= []).AddRange(ranges);
            else Unfollowed = true;
        }

        public DiffHunks? Hunks() =>
            Binary || Entry.Submodule || Unfollowed || Sections != 1 ? null
            : _ranges is null ? (NewEndsWithoutNewline ? null : DiffHunks.None)
            : new DiffHunks([.. _ranges], NewEndsWithoutNewline);
    }
}
