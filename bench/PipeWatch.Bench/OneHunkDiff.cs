using PipeWatch.Dependencies.Parsers;

namespace PipeWatch.Bench;

/// <summary>
/// The <c>-U0</c> hunk that turns one version of a file into the next, as one edit: every line between their common first and
/// common last lines. What a scan gets from <c>git log -p -U0</c>, made here for versions read outside a scan (the lockfile
/// suite, and the tests that follow versions the way a scan does).
/// </summary>
internal static class OneHunkDiff
{
    /// <summary>The one edit from <paramref name="before"/> to <paramref name="after"/>; empty when the lines are the same.</summary>
    public static LineEdit[] Between(string before, string after)
    {
        var (old, now) = (Lines(before), Lines(after));
        var same = 0;
        while (same < old.Length && same < now.Length && old[same] == now[same]) same++;
        var tail = 0;
        while (tail < old.Length - same && tail < now.Length - same && old[^(tail + 1)] == now[^(tail + 1)]) tail++;
        var (oldCount, newCount) = (old.Length - same - tail, now.Length - same - tail);
        if (oldCount == 0 && newCount == 0) return [];
        return [new LineEdit(oldCount == 0 ? same : same + 1, oldCount, newCount == 0 ? same : same + 1, newCount)];
    }

    /// <summary>The text's lines, each with its line end.</summary>
    public static string[] Lines(string text)
    {
        var lines = new List<string>();
        for (var at = 0; at < text.Length;)
        {
            var end = text.IndexOf('\n', at);
            var next = end < 0 ? text.Length : end + 1;
            lines.Add(text[at..next]);
            at = next;
        }

        return [.. lines];
    }
}
