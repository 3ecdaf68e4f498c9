using System.Globalization;
using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Cli.Rendering;

/// <summary>Makes an untrusted string safe to print on a terminal or into a CI log: every control character is shown escaped.</summary>
/// <remarks>
/// Step, file and branch names are chosen by whoever pushes. Printed raw, an escape sequence (<c>ESC]0;…</c>, <c>ESC[2J</c>)
/// drives the terminal, and a newline lets a name start a line of its own: <c>::add-mask::</c> or <c>::stop-commands::</c> at
/// the start of a line is a workflow command to the GitHub Actions runner. Escaped, a name stays on its line:
/// ESC is <c>\x1b</c>, a newline <c>\n</c>, a tab <c>\t</c>, other C0 and C1 controls, DEL and the Unicode line and paragraph
/// separators <c>\xNN</c> or <c>\uNNNN</c>. Bidirectional overrides are shown as <c>\uNNNN</c> too, so text cannot be reordered on screen,
/// and a text that would start a line with <c>::</c> has its first colon shown as <c>\x3a</c>.
/// </remarks>
internal static class TerminalText
{
    /// <summary><paramref name="text"/> with its control characters escaped; the same instance when it has none.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = IndexOfUnsafe(text);
        if (first < 0) return StartsCommand(text) ? Defuse(text) : text;
        var escaped = new StringBuilder(text.Length + 8).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsUnsafe(c))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ when c <= '\u00ff' => $@"\x{((int)c).ToString("x2", CultureInfo.InvariantCulture)}",
                _ => $@"\u{((int)c).ToString("x4", CultureInfo.InvariantCulture)}",
            });
        }

        var result = escaped.ToString();
        return StartsCommand(result) ? Defuse(result) : result;
    }

    /// <summary>As <see cref="Escape(string)"/>, passing null through.</summary>
    public static string? EscapeOrNull(string? text) => text is null ? null : Escape(text);

    /// <summary>The finding with every string a person reads escaped: title, explanation, category, entity, location.</summary>
    public static Finding Escape(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var e = finding.Entity;
        var l = finding.Location;
        return finding with
        {
            Category = Escape(finding.Category),
            Title = Escape(finding.Title),
            Explanation = Escape(finding.Explanation),
            Entity = new Entity(EscapeOrNull(e.Repository), EscapeOrNull(e.Pipeline), EscapeOrNull(e.Job), EscapeOrNull(e.Step), EscapeOrNull(e.Actor), EscapeOrNull(e.Environment), EscapeOrNull(e.Target)),
            Location = l with { RunId = EscapeOrNull(l.RunId), File = EscapeOrNull(l.File), Commit = EscapeOrNull(l.Commit), Url = EscapeOrNull(l.Url) },
        };
    }

    // The runner reads a workflow command from a line that starts with "::" after leading blanks; a text printed at the start
    // of a line (a title under its severity) must not, so its first colon is shown escaped.
    private static bool StartsCommand(string text) => text.AsSpan().TrimStart().StartsWith("::", StringComparison.Ordinal);

    private static string Defuse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return string.Concat(text.AsSpan(0, colon), @"\x3a", text.AsSpan(colon + 1));
    }

    private static int IndexOfUnsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i])) return i;
        }

        return -1;
    }

    private static bool IsUnsafe(char c) =>
        c < ' ' || c is >= '\u007f' and <= '\u009f' || c is '\u2028' or '\u2029' || c is >= '\u202a' and <= '\u202e' || c is >= '\u2066' and <= '\u2069';
}
