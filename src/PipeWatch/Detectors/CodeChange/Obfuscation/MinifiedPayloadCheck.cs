using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.Obfuscation;

/// <summary>Finds one very long, dense line added to a hand-written source file: minified code hidden in a file that is not minified.</summary>
/// <remarks>Generated and minified files by name (<c>*.min.*</c>, bundles, <c>dist/</c>, <c>vendor/</c>, lockfiles) are skipped, as are files whose other lines are long too.</remarks>
internal sealed class MinifiedPayloadCheck(int minimumLength = MinifiedPayloadCheck.DefaultMinimumLength) : ILineCheck
{
    public const string Rule = "obfuscated-code.minified-payload";

    /// <summary>Characters a line must have to count as a payload.</summary>
    public const int DefaultMinimumLength = 500;

    /// <summary>Median length of the file's other lines above which the file is treated as minified by nature.</summary>
    public const int MaximumTypicalLength = 120;

    public IEnumerable<LineIssue> Check(AddedFile file)
    {
        if (!file.IsCode || file.IsGenerated) yield break;
        var longLines = Enumerable.Range(0, file.Lines.Count)
            .Where(i => file.Lines.Length(i) >= minimumLength && Dense(file.Lines.Span(i))).Select(i => file.Lines[i]).ToList();
        if (longLines.Count == 0) yield break;
        var others = (file.Content ?? file.Lines.Text).Split('\n')
            .Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0 && l.Length < minimumLength).Select(l => l.Length).Order().ToList();
        var median = others.Count == 0 ? 0 : others[others.Count / 2];
        if (median > MaximumTypicalLength) yield break;
        foreach (var line in longLines)
        {
            var head = line.Text.Trim();
            head = head.Length > 40 ? head[..40] + "…" : head;
            yield return new LineIssue(
                Rule, Severity.Medium, line.Number, $"{line.Text.Length}|{head}",
                $"A {line.Text.Length}-character minified line was added to {file.Path}",
                $"Line {line.Number} is {line.Text.Length} characters of dense code, while the file's other lines have a median of {median} characters: a minified payload appended to a hand-written file is how malicious code hides from review (the diff shows one unreadable line).");
        }
    }

    /// <summary>Little whitespace: under 8% of the characters, as minifiers leave it.</summary>
    private static bool Dense(ReadOnlySpan<char> text)
    {
        var spaces = 0;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c)) spaces++;
        }

        return spaces < text.Length * 0.08;
    }
}
