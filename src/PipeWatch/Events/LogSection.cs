namespace PipeWatch.Events;

/// <summary>Consecutive lines of a CI job log, cleaned of the platform's markup (timestamps, colours, markers), one step or part of one.</summary>
/// <param name="Step"><c>ci.step</c>: the step (GitHub), section (GitLab) or stage (Jenkins) the lines belong to; null when the log has none.</param>
/// <param name="FirstLine">The 1-based line number in the log file of the first line of <paramref name="Text"/>.</param>
/// <param name="Text">The lines joined with <c>\n</c>, one per line of the file, so line <c>k</c> of the text is line <c>FirstLine + k - 1</c> of the file.</param>
public sealed record LogSection(string? Step, int FirstLine, string Text)
{
    /// <summary>The file line of a 0-based index into <see cref="Text"/>.</summary>
    public int LineOf(int index)
    {
        var line = FirstLine;
        var text = Text.AsSpan(0, Math.Clamp(index, 0, Text.Length));
        return line + text.Count('\n');
    }
}
