using System.Buffers;
using System.Collections;
using System.Runtime.CompilerServices;

namespace PipeWatch.Sources.Git;

/// <summary>
/// The lines a commit added to one file as one text (the lines joined with <c>\n</c>) and where each line starts: what the
/// detectors scan, without a string per line.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. As a list it gives each line with its number; a line's string is made only when asked for, so a
/// scan that searches <see cref="Text"/> once and looks at the few lines with a hit allocates for those lines only.
/// A plain file (<c>scan --no-git</c>) is read straight into one (<see cref="FromFile"/>); the added lines of a diff are
/// joined once by <see cref="Of"/>.
/// </remarks>
internal sealed class AddedText : IReadOnlyList<AddedLine>
{
    // _starts[i] is where line i begins in Text; _starts[Count] is Text.Length + 1 (past the '\n' that would end the last line).
    private readonly int[] _starts;

    // The line numbers in the new file; null when they are 1, 2, 3 … (a whole file).
    private readonly int[]? _numbers;

    // The lists already joined, by identity, while they live: a commit's preparers (secrets, obfuscated code) search the same
    // added lines of a file one after the other, and the lines are joined once for both.
    private static readonly ConditionalWeakTable<IReadOnlyList<AddedLine>, AddedText> Joined = new();

    private AddedText(string text, int[] starts, int[]? numbers)
    {
        Text = text;
        _starts = starts;
        _numbers = numbers;
    }

    /// <summary>An empty list: no added lines.</summary>
    public static AddedText Empty { get; } = new(string.Empty, [1], []);

    /// <summary>The lines joined with <c>\n</c> (no <c>\n</c> after the last one).</summary>
    public string Text { get; }

    public int Count => _starts.Length - 1;

    public AddedLine this[int index] => new(Number(index), Text.Substring(_starts[index], Length(index)));

    /// <summary>Every line of a whole file, numbered from 1, given its text with line ends as <c>\n</c> and no final <c>\n</c>.</summary>
    public static AddedText FromFile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new AddedText(text, Starts(text), null);
    }

    /// <summary>Lines already joined with <c>\n</c> (as a diff's added lines are read: <see cref="GitLogParser"/>), with their numbers in the new file.</summary>
    /// <remarks>No line holds a <c>\n</c> (git ends each line of a patch with one), so the text cuts back into exactly these lines.</remarks>
    internal static AddedText FromJoined(string joined, int[] numbers)
    {
        var starts = Starts(joined);
        if (starts.Length - 1 != numbers.Length) throw new ArgumentException($"{numbers.Length} line numbers for {starts.Length - 1} lines.", nameof(numbers));
        return new AddedText(joined, starts, numbers);
    }

    /// <summary>The same lines as one text: <paramref name="lines"/> itself when it already is one, else joined once per list.</summary>
    /// <remarks>The list must not change once joined (a commit's added lines do not).</remarks>
    public static AddedText Of(IReadOnlyList<AddedLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines is AddedText text) return text;
        if (lines.Count == 0) return Empty;
        return Joined.GetValue(lines, Join);
    }

    private static AddedText Join(IReadOnlyList<AddedLine> lines)
    {
        var numbers = new int[lines.Count];
        var length = lines.Count - 1;
        for (var i = 0; i < lines.Count; i++) length += lines[i].Text.Length;
        var joined = string.Create(length, lines, static (span, lines) =>
        {
            var at = 0;
            for (var i = 0; i < lines.Count; i++)
            {
                if (i > 0) span[at++] = '\n';
                lines[i].Text.AsSpan().CopyTo(span[at..]);
                at += lines[i].Text.Length;
            }
        });
        var starts = new int[lines.Count + 1];
        var next = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            starts[i] = next;
            next += lines[i].Text.Length + 1;
            numbers[i] = lines[i].Number;
        }

        starts[^1] = next;
        return new AddedText(joined, starts, numbers);
    }

    /// <summary>The number in the new file of the line at <paramref name="index"/>.</summary>
    public int Number(int index) => _numbers is null ? index + 1 : _numbers[index];

    /// <summary>The characters of the line at <paramref name="index"/>.</summary>
    public ReadOnlySpan<char> Span(int index) => Text.AsSpan(_starts[index], Length(index));

    /// <summary>Where the line at <paramref name="index"/> starts in <see cref="Text"/>.</summary>
    public int Start(int index) => _starts[index];

    /// <summary>The length of the line at <paramref name="index"/>.</summary>
    public int Length(int index) => _starts[index + 1] - 1 - _starts[index];

    /// <summary>The index of the line that holds the character at <paramref name="position"/> of <see cref="Text"/>.</summary>
    public int IndexAt(int position)
    {
        var found = Array.BinarySearch(_starts, 0, Count, position);
        return found >= 0 ? found : ~found - 1;
    }

    /// <summary>The indexes of the lines holding one of <paramref name="values"/>, in order: one search over the whole text.</summary>
    public IEnumerable<int> LinesContaining(SearchValues<string> values) =>
        LinesFrom(from => Text.AsSpan(from).IndexOfAny(values) is var at and >= 0 ? from + at : -1);

    /// <summary>The indexes of the lines holding a character outside ASCII, in order.</summary>
    public IEnumerable<int> LinesWithNonAscii() =>
        LinesFrom(from => Text.AsSpan(from).IndexOfAnyExceptInRange('\0', '\x7f') is var at and >= 0 ? from + at : -1);

    public IEnumerator<AddedLine> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Each line with a hit of find (the position of the next hit at or after a position, or -1), once, in order.
    private IEnumerable<int> LinesFrom(Func<int, int> find)
    {
        for (var from = 0; from < Text.Length;)
        {
            var at = find(from);
            if (at < 0) yield break;
            var index = IndexAt(at);
            yield return index;
            from = _starts[index + 1];
        }
    }

    private static int[] Starts(string text)
    {
        var span = text.AsSpan();
        var starts = new int[span.Count('\n') + 2];
        var line = 1;
        for (var i = span.IndexOf('\n'); i >= 0; i = span[(i + 1)..].IndexOf('\n') is var next and >= 0 ? i + 1 + next : -1)
        {
            starts[line++] = i + 1;
        }

        starts[^1] = text.Length + 1;
        return starts;
    }
}
