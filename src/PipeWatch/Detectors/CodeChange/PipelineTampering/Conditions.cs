using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>The <c>if:</c> conditions of a GitHub Actions definition, read from its text: each with its line, its value, and the block indicator (<c>|</c>, <c>&gt;-</c>…) when it is a block scalar.</summary>
public static partial class Conditions
{
    public static IEnumerable<(int Line, string Value, string Block)> Of(CiDefinition definition)
    {
        foreach (var (line, _, value, block) in Read(definition)) yield return (line, value, block);
    }

    /// <summary>The 1-based lines that are part of a condition: each <c>if:</c> line and the lines of its block scalar.</summary>
    internal static HashSet<int> LinesOf(CiDefinition definition)
    {
        var lines = new HashSet<int>();
        foreach (var condition in Read(definition))
        {
            for (var line = condition.Line; line <= condition.Last; line++) lines.Add(line);
        }

        return lines;
    }

    // Each condition with its first and last line (the same for a one-line condition).
    private static IEnumerable<(int Line, int Last, string Value, string Block)> Read(CiDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)) yield break;
        var lines = definition.Lines;
        for (var i = 0; i < lines.Count; i++)
        {
            // Most lines hold no `if:`; the regex needs the text, so looking for it first skips them without a match.
            if (!lines[i].Contains("if:", StringComparison.Ordinal)) continue;
            var m = IfLine().Match(lines[i]);
            if (!m.Success) continue;
            var value = StripComment(m.Groups["v"].Value);
            if (BlockIndicator().IsMatch(value))
            {
                var indent = m.Groups["indent"].Length + m.Groups["dash"].Length;
                var body = new List<string>();
                var j = i + 1;
                for (; j < lines.Count && (lines[j].Trim().Length == 0 || Indent(lines[j]) > indent); j++) body.Add(lines[j].Trim());
                yield return (i + 1, j, string.Join('\n', body).Trim(), value);
            }
            else
            {
                yield return (i + 1, i + 1, value, string.Empty);
            }
        }
    }

    private static int Indent(string line) => line.Length - line.TrimStart().Length;

    private static string StripComment(string value)
    {
        var at = value.IndexOf(" #", StringComparison.Ordinal);
        return (at < 0 ? value : value[..at]).Trim();
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)(?<dash>-[ \t]+)?if:[ \t]*(?<v>.*?)[ \t]*$")]
    private static partial Regex IfLine();

    [GeneratedRegex(@"^[|>][+-]?$")]
    private static partial Regex BlockIndicator();
}
