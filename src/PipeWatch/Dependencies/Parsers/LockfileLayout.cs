using System.Buffers;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// One lockfile version cut into consecutive segments (a yarn entry, a pnpm <c>packages</c> entry, the text between sections…),
/// each with its lines, its characters and what its parser read from it, so that the next version can be made from this one and
/// the change's line edits: the segments no edit touches are taken over (their line numbers shifted by the edits before them)
/// and only the lines around the edits are split and read again.
/// </summary>
/// <remarks>
/// Immutable once made; shared by the versions derived from it (a history can branch). The segments cover the text exactly, in
/// order, so a segment's first line and first character are the sums over the segments before it. <see cref="Follow"/> only
/// decides which lines to read again; the format's splitter decides what they are, and gives up (null) on anything it would
/// not split in a whole-file read, so the caller then reads the whole file.
/// </remarks>
internal sealed class LockfileLayout(IReadOnlyList<LockfileSegment> segments, object? whole = null)
{
    public IReadOnlyList<LockfileSegment> Segments { get; } = segments;

    /// <summary>What the format read of the version besides its segments' values (pnpm: the rest of the file; yarn: whether it is berry), if anything.</summary>
    public object? Whole { get; } = whole;

    /// <summary>
    /// The segments of the new version of this layout's text: the old ones no edit touches, and <paramref name="split"/>'s
    /// segments for each run of touched lines; null when the edits do not fit this layout or the splitter gives up.
    /// </summary>
    /// <param name="edits">The change's hunks in old-line order: old start, old count, new start, new count (<c>git diff -U0</c>).</param>
    /// <param name="text">The new version's text.</param>
    /// <param name="split">Splits new text from a character offset, for a number of lines, that starts where a segment starts,
    /// following the segment before it (null at the start of the file); null when it must not be split.</param>
    /// <param name="changed">The indexes (in the result) of the segments the splitter made: everything else was taken over.</param>
    /// <param name="replaced">The indexes (in <see cref="Segments"/>) of the old segments the made ones replace.</param>
    public List<LockfileSegment>? Follow(IReadOnlyList<LineEdit> edits, string text, RegionSplitter split, out List<int> changed, out List<int> replaced)
    {
        changed = [];
        replaced = [];
        var count = Segments.Count;
        if (count == 0) return null;
        // The first-line table and the touched marks are scratch for this one call: rented, not allocated for every version.
        var starts = ArrayPool<int>.Shared.Rent(count + 1);
        var dirty = ArrayPool<bool>.Shared.Rent(count);
        try
        {
            return FollowWith(edits, text, split, changed, replaced, starts, dirty);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<bool>.Shared.Return(dirty);
        }
    }

    // Follow with its scratch arrays (at least as long as the segments, and one more for the table).
    private List<LockfileSegment>? FollowWith(IReadOnlyList<LineEdit> edits, string text, RegionSplitter split, List<int> changed, List<int> replaced, int[] starts, bool[] dirty)
    {
        var count = Segments.Count;
        FirstLines(Segments, starts);
        var lastLine = starts[count] - 1;

        // Which segments an edit touches: lines it replaces (and the segment that ends just before them, whose following lines
        // may now continue it), or the segment an insertion follows (inserted lines may continue it; at line 0, the first).
        Array.Clear(dirty, 0, count);
        var anchors = new int[edits.Count];
        var previousEnd = 0;
        var added = 0L;
        for (var e = 0; e < edits.Count; e++)
        {
            var edit = edits[e];
            // Hostile numbers (a hunk header is text from the log) must not overflow into a fit: checked in long.
            added += edit.NewCount;
            if (edit.OldStart < previousEnd || edit.OldCount < 0 || edit.NewCount < 0 || added > text.Length) return null;
            int first, last;
            if (edit.OldCount == 0)
            {
                if (edit.OldStart > lastLine) return null;
                first = last = Math.Max(edit.OldStart, 1);
            }
            else
            {
                if (edit.OldStart < 1 || (long)edit.OldStart + edit.OldCount - 1 > lastLine) return null;
                first = Math.Max(edit.OldStart - 1, 1);
                last = edit.OldStart + edit.OldCount - 1;
            }

            previousEnd = edit.OldStart + edit.OldCount;
            var from = SegmentAt(starts, count, first);
            var to = SegmentAt(starts, count, last);
            for (var s = from; s <= to; s++) dirty[s] = true;
            anchors[e] = to;
        }

        var result = new List<LockfileSegment>(count + 8);
        var shift = 0;
        var character = 0;
        var nextEdit = 0;
        for (var i = 0; i < count;)
        {
            if (!dirty[i])
            {
                result.Add(Segments[i]);
                character += Segments[i].Chars;
                i++;
                continue;
            }

            // A run of touched segments: its new lines are its old lines moved by the edits before it, plus its own edits.
            var j = i;
            while (j + 1 < count && dirty[j + 1]) j++;
            for (var r = i; r <= j; r++) replaced.Add(r);
            var newFirst = starts[i] + shift;
            while (nextEdit < edits.Count && anchors[nextEdit] <= j)
            {
                shift += edits[nextEdit].NewCount - edits[nextEdit].OldCount;
                nextEdit++;
            }

            var lines = starts[j + 1] + shift - newFirst;
            if (lines > 0)
            {
                var made = split(text, character, lines, newFirst, result.Count > 0 ? result[^1] : null);
                if (made is null) return null;
                foreach (var segment in made)
                {
                    changed.Add(result.Count);
                    result.Add(segment);
                    character += segment.Chars;
                }
            }

            i = j + 1;
        }

        return character == text.Length && nextEdit == edits.Count ? result : null;
    }

    // The first line of each segment, and of the line after the last, into starts[0 … segments.Count].
    private static void FirstLines(IReadOnlyList<LockfileSegment> segments, int[] starts)
    {
        starts[0] = 1;
        for (var i = 0; i < segments.Count; i++) starts[i + 1] = starts[i] + segments[i].Lines;
    }

    // The segment (of `count`) holding a line (1-based, within the text).
    private static int SegmentAt(int[] starts, int count, int line)
    {
        var found = Array.BinarySearch(starts, 0, count, line);
        return found >= 0 ? found : ~found - 1;
    }
}

/// <summary>A run of whole lines of a lockfile version: how many lines and characters, its kind in the format, and what was read from it.</summary>
/// <param name="Kind">The format's name for what the lines are (a yarn entry, a pnpm package…).</param>
/// <param name="Value">What the format's reader made of the lines (shared by every version with the same text), or null.</param>
/// <param name="End">The format's state after the segment's last line (pnpm: the section it leaves open).</param>
internal sealed record LockfileSegment(int Lines, int Chars, int Kind, object? Value, int End = 0);

/// <summary>A <c>-U0</c> hunk: lines <c>OldStart … OldStart+OldCount-1</c> replaced by <c>NewCount</c> lines at <c>NewStart</c> (a count of 0: after that line).</summary>
internal readonly record struct LineEdit(int OldStart, int OldCount, int NewStart, int NewCount);

/// <summary>Splits <paramref name="lines"/> lines of <paramref name="text"/> from <paramref name="start"/> (the first at line <paramref name="firstLine"/>, after <paramref name="previous"/>) into segments; null to give up.</summary>
internal delegate List<LockfileSegment>? RegionSplitter(string text, int start, int lines, int firstLine, LockfileSegment? previous);
