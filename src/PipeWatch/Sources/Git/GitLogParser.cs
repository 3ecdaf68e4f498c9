using System.Buffers;
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

    private static ReadOnlySpan<byte> NullBlob => "0000000000000000000000000000000000000000"u8;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly ByteLineReader _lines;
    private byte[]? _pendingHeader;
    private bool _pseudoPending;
    private readonly GitCommit? _pseudo;

    // The removed lines of the diff section being read, folded for the change it belongs to when the section ends (one buffer
    // for the whole stream).
    private readonly RemovedLinesDigest _removed = new();

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
                    SealRemoved(current);
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
                    current.LastRemoved = false;
                    current.LinesAdded++;
                    if (!current.Entry.Submodule) current.AddLine(newLine, line[1..]);
                    newLine++;
                    break;
                case (byte)'-' when current is not null:
                    if (!inHunk) break;
                    current.LastAdded = false;
                    current.LastRemoved = true;
                    current.LinesDeleted++;
                    if (current.FoldsRemoved) _removed.AddLine(line[1..]);
                    break;
                case (byte)' ' when current is not null && inHunk:
                    // A context line: -U0 has none, so such a patch is not followed to rebuild a version.
                    current.Unfollowed = true;
                    break;
                case (byte)'\\' when current is not null && inHunk:
                    // "\ No newline at end of file" after an added line: the new version ends without one; after a removed line:
                    // the old one did (folded into the removed lines' digest); anywhere else git does not print it.
                    if (current.LastAdded) current.NewEndsWithoutNewline = true;
                    else if (current.LastRemoved) _removed.AddNoNewlineMark();
                    else current.Unfollowed = true;
                    break;
                case (byte)'@' when current is not null && line.StartsWith("@@ "u8):
                    newLine = HunkStart(line);
                    current.AddHunk(line);
                    current.LastAdded = false;
                    current.LastRemoved = false;
                    inHunk = true;
                    break;
                case (byte)'d' when line.StartsWith("diff --git "u8):
                    SealRemoved(current);
                    var found = Match(entries, line, cursor);
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

        SealRemoved(current);
        return Finish(head, entries, changes);
    }

    // The section of `current` ends: its removed lines' digest is kept on it, and the buffer starts again.
    private void SealRemoved(Builder? current)
    {
        if (current is not null) current.RemovedLines = _removed.Value;
        _removed.Clear();
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
                b.Binary ? 0 : b.LinesAdded, b.Binary ? 0 : b.LinesDeleted, b.Binary, b.TakeAdded(keep: !b.Binary))
            {
                Hunks = b.Hunks(),
            };
        }

        return head with { Files = files };
    }

    // The entry whose b/ path ends the section header, searched from the last match (sections follow the raw order).
    // Compared as bytes: a path that is not valid UTF-8 matches its own entry only, not another one that decodes alike.
    private static int Match(List<RawEntry> entries, ReadOnlySpan<byte> header, int from)
    {
        for (var i = from; i < entries.Count; i++)
        {
            if (header.EndsWith(entries[i].HeaderSuffix)) return i;
        }

        for (var i = 0; i < from && i < entries.Count; i++)
        {
            if (header.EndsWith(entries[i].HeaderSuffix)) return i;
        }

        return -1;
    }

    // "@@ -a,b +c,d @@" (",b" and ",d" left out when 1): the four numbers into ranges, or false when the header does not read so.
    private static bool HunkRanges(ReadOnlySpan<byte> line, Span<int> ranges)
    {
        var at = 3;
        for (var side = 0; side < 2; side++)
        {
            if (at >= line.Length || line[at] != (side == 0 ? (byte)'-' : (byte)'+')) return false;
            at++;
            if (!Number(line, ref at, out ranges[side * 2])) return false;
            ranges[(side * 2) + 1] = 1;
            if (at < line.Length && line[at] == ',')
            {
                at++;
                if (!Number(line, ref at, out ranges[(side * 2) + 1])) return false;
            }

            if (at >= line.Length || line[at] != ' ') return false;
            at++;
        }

        return line[at..].StartsWith("@@"u8);
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
        StrictIsoDate(text) ?? (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var when) ? when : DateTimeOffset.UnixEpoch);

    // What %aI prints, "2010-04-06T22:41:09+02:00", read without the general parser (two per commit); null for anything else (out
    // of range included), which the general parser then reads as before.
    private static DateTimeOffset? StrictIsoDate(ReadOnlySpan<char> text)
    {
        if (text.Length != 25 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] is not ('+' or '-') || text[22] != ':')
        {
            return null;
        }

        if (!Digits(text[..4], out var year) || !Digits(text[5..7], out var month) || !Digits(text[8..10], out var day) || !Digits(text[11..13], out var hour)
            || !Digits(text[14..16], out var minute) || !Digits(text[17..19], out var second) || !Digits(text[20..22], out var offsetHours) || !Digits(text[23..25], out var offsetMinutes))
        {
            return null;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || offsetMinutes > 59)
        {
            return null;
        }

        var offset = new TimeSpan(offsetHours, offsetMinutes, 0);
        if (text[19] == '-') offset = -offset;
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        var utcTicks = local.Ticks - offset.Ticks;
        if (offset.Duration() > TimeSpan.FromHours(14) || utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks) return null;
        return new DateTimeOffset(local, offset);
    }

    private static bool Digits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
            value = (value * 10) + (c - '0');
        }

        return true;
    }

    // ":100644 100644 <old> <new> M\tpath" or "... R087\told\tnew": read on the bytes, a string made only for the blob ids and paths.
    private static RawEntry? ParseRaw(ReadOnlySpan<byte> line)
    {
        var tab = line.IndexOf((byte)'\t');
        if (tab < 0) return null;

        // Old mode, new mode, old blob, new blob, status: the first five of the fields cut at each space (more are ignored).
        Span<Range> meta = stackalloc Range[5];
        var fields = 0;
        var metaText = line[1..tab];
        for (var start = 0; ;)
        {
            var space = metaText[start..].IndexOf((byte)' ');
            var end = space < 0 ? metaText.Length : start + space;
            if (fields < meta.Length) meta[fields] = start..end;
            fields++;
            if (space < 0) break;
            start = end + 1;
        }

        if (fields < 5) return null;
        var status = metaText[meta[4]];
        var kind = (status.IsEmpty ? (byte)'M' : status[0]) switch
        {
            (byte)'A' => FileChangeKind.Added,
            (byte)'D' => FileChangeKind.Deleted,
            (byte)'R' => FileChangeKind.Renamed,
            (byte)'C' => FileChangeKind.Copied,
            (byte)'T' => FileChangeKind.TypeChanged,
            _ => FileChangeKind.Modified,
        };

        // One path, or the old and the new one (more are ignored).
        var paths = line[(tab + 1)..];
        var second = paths.IndexOf((byte)'\t');
        var quotedNew = second < 0 ? paths : paths[(second + 1)..];
        if (quotedNew.IndexOf((byte)'\t') is var third and >= 0) quotedNew = quotedNew[..third];
        var newPath = GitPaths.Unquote(Utf8.GetString(quotedNew));
        var oldPath = second < 0 ? null : GitPaths.Unquote(Utf8.GetString(paths[..second]));
        // The end of its "diff --git a/… b/…" line: " b/path", or ' "b/path"' when git quoted the path.
        byte[] suffix = quotedNew.StartsWith("\""u8) ? [.. " \"b/"u8, .. quotedNew[1..]] : [.. " b/"u8, .. quotedNew];
        return new RawEntry(
            newPath, oldPath, kind,
            Blob(metaText[meta[2]]),
            Blob(metaText[meta[3]]),
            suffix,
            metaText[meta[1]].SequenceEqual("160000"u8) || metaText[meta[0]].SequenceEqual("160000"u8));
    }

    private static string? Blob(ReadOnlySpan<byte> id) => id.SequenceEqual(NullBlob) ? null : Utf8.GetString(id);

    private sealed record RawEntry(string Path, string? OldPath, FileChangeKind Kind, string? OldBlob, string? NewBlob, byte[] HeaderSuffix, bool Submodule);

    private sealed class Builder(RawEntry entry)
    {
        public RawEntry Entry { get; } = entry;

        // The added lines as git printed them (UTF-8, joined with '\n') and their numbers: decoded once into one AddedText when
        // the commit is done, not a string per line (the detectors search the joined text; a line's string is made if asked for).
        private byte[]? _added;
        private int _addedLength;
        private int[]? _numbers;
        private int _addedCount;

        public int LinesAdded { get; set; }

        public int LinesDeleted { get; set; }

        public bool Binary { get; set; }

        // For DiffHunks: the diff sections matched to this entry, each hunk's numbers, and what makes the patch unfit to follow.
        public int Sections { get; set; }

        public bool Unfollowed { get; set; }

        public bool LastAdded { get; set; }

        public bool LastRemoved { get; set; }

        public bool NewEndsWithoutNewline { get; set; }

        private List<int>? _ranges;

        // Whether its removed lines are folded: not for a change no rebuild follows (a deletion, a submodule).
        public bool FoldsRemoved => !Entry.Submodule && Entry.Kind != FileChangeKind.Deleted;

        public UInt128 RemovedLines { get; set; } = RemovedLinesDigest.Nothing;

        public void AddLine(int number, ReadOnlySpan<byte> text)
        {
            var separator = _addedCount > 0 ? 1 : 0;
            _added = Room(_added, _addedLength + separator + text.Length);
            if (separator == 1) _added[_addedLength++] = (byte)'\n';
            text.CopyTo(_added.AsSpan(_addedLength));
            _addedLength += text.Length;
            _numbers = Room(_numbers, _addedCount + 1);
            _numbers[_addedCount++] = number;
        }

        // The added lines (none when not kept), the pooled buffers handed back.
        public IReadOnlyList<AddedLine> TakeAdded(bool keep)
        {
            IReadOnlyList<AddedLine> lines = !keep || _addedCount == 0 ? [] : AddedText.FromJoined(Utf8.GetString(_added!, 0, _addedLength), _numbers.AsSpan(0, _addedCount).ToArray());
            if (_added is not null) ArrayPool<byte>.Shared.Return(_added);
            if (_numbers is not null) ArrayPool<int>.Shared.Return(_numbers);
            (_added, _numbers, _addedLength, _addedCount) = (null, null, 0, 0);
            return lines;
        }

        private static T[] Room<T>(T[]? buffer, int needed)
        {
            if (buffer is not null && buffer.Length >= needed) return buffer;
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, buffer is null ? 64 : buffer.Length * 2));
            if (buffer is not null)
            {
                buffer.CopyTo(larger, 0);
                ArrayPool<T>.Shared.Return(buffer);
            }

            return larger;
        }

        public void AddHunk(ReadOnlySpan<byte> header)
        {
            Span<int> ranges = stackalloc int[4];
            if (HunkRanges(header, ranges))
            {
                _ranges ??= [];
                foreach (var value in ranges) _ranges.Add(value);
            }
            else
            {
                Unfollowed = true;
            }
        }

        public DiffHunks? Hunks() =>
            Binary || Entry.Submodule || Unfollowed || Sections != 1 ? null
            : _ranges is null ? (NewEndsWithoutNewline ? null : DiffHunks.None)
            : new DiffHunks([.. _ranges], NewEndsWithoutNewline, RemovedLines);
    }
}
