namespace PipeWatch.Sources.Git;

/// <summary>
/// Where the hunks of one file's <c>-U0</c> diff sit: each hunk's <c>@@ -a,b +c,d @@</c> numbers, in order, and whether the new
/// version lacks a newline after its last line, and a digest of the lines it removed. With the old version and the added lines this
/// is the whole new version; the digest lets <see cref="DiffRebuild"/> check that the old version it starts from holds, where each
/// hunk says, the very lines git removed.
/// </summary>
/// <remarks>Immutable, compared by value (a <see cref="GitFileChange"/> stays a value). Built by <see cref="GitLogParser"/>; read by <see cref="DiffRebuild"/>.</remarks>
internal sealed class DiffHunks : IEquatable<DiffHunks>
{
    // Four numbers per hunk: old start, old count, new start, new count.
    private readonly int[] _ranges;

    public DiffHunks(int[] ranges, bool newEndsWithoutNewline, UInt128? removedLines = null)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        if (ranges.Length % 4 != 0) throw new ArgumentException("Four numbers per hunk.", nameof(ranges));
        _ranges = ranges;
        NewEndsWithoutNewline = newEndsWithoutNewline;
        RemovedLines = removedLines;
    }

    /// <summary>No hunk: the content did not change (a rename, a mode change, an empty file added).</summary>
    public static DiffHunks None { get; } = new([], false);

    public int Count => _ranges.Length / 4;

    /// <summary>True when a <c>\ No newline at end of file</c> followed an added line: the new version's last line has no newline.</summary>
    public bool NewEndsWithoutNewline { get; }

    /// <summary>
    /// The <see cref="RemovedLinesDigest"/> of the <c>-</c> lines as git printed them, in order; null when not known (hunks made by
    /// hand), and a rebuild is then checked against the whole new blob id instead.
    /// </summary>
    public UInt128? RemovedLines { get; }

    /// <summary>The hunk at <paramref name="index"/>: old start and count, new start and count (a count of 0 puts the start before the hunk).</summary>
    public (int OldStart, int OldCount, int NewStart, int NewCount) this[int index] =>
        (_ranges[index * 4], _ranges[(index * 4) + 1], _ranges[(index * 4) + 2], _ranges[(index * 4) + 3]);

    public bool Equals(DiffHunks? other) =>
        other is not null && other.NewEndsWithoutNewline == NewEndsWithoutNewline && other.RemovedLines == RemovedLines && other._ranges.AsSpan().SequenceEqual(_ranges);

    public override bool Equals(object? obj) => Equals(obj as DiffHunks);

    public override int GetHashCode() => HashCode.Combine(_ranges.Length, NewEndsWithoutNewline);
}
