using System.Text.RegularExpressions;

namespace PipeWatch.Sources.JobLogs;

/// <summary>Removes terminal escape sequences (colours, erase-line) that CI platforms keep in their logs.</summary>
internal static partial class AnsiText
{
    /// <summary>The text without CSI sequences (<c>ESC [ … letter</c>) and bare carriage returns.</summary>
    public static string Strip(string text)
    {
        if (text.AsSpan().IndexOfAny('\u001b', '\r') < 0) return text;
        return Escape().Replace(text, string.Empty);
    }

    [GeneratedRegex(@"\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Za-z0-9]|\r", RegexOptions.CultureInvariant)]
    private static partial Regex Escape();
}
