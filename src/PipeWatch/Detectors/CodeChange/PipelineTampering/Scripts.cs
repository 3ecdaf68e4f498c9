using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>The code a step runs: its script, and the inputs of actions that take code (<c>script</c>, <c>cmd</c>, <c>run</c>, <c>inlineScript</c>).</summary>
internal static class Scripts
{
    private static readonly string[] CodeInputs = ["script", "cmd", "run", "inlineScript"];

    /// <summary>True when <paramref name="input"/> names a step input that holds code (<see cref="Of"/> reads it).</summary>
    public static bool IsCodeInput(string? input) => input is not null && CodeInputs.Contains(input, StringComparer.Ordinal);

    public static IEnumerable<CiText> Of(CiStep step)
    {
        if (step.Run is { } run) yield return run;
        foreach (var input in CodeInputs)
        {
            if (step.With.TryGetValue(input, out var code)) yield return code;
        }
    }

    /// <summary>Every match of <paramref name="pattern"/> in the step's code, with its file line.</summary>
    public static IEnumerable<(int Line, string Text)> Matches(CiStep step, Regex pattern)
    {
        foreach (var script in Of(step))
        {
            foreach (Match m in pattern.Matches(script.Value)) yield return (script.LineOf(m.Index), m.Value.Trim());
        }
    }

    /// <summary>
    /// True when <paramref name="text"/> holds one of <paramref name="literals"/>, ignoring case the ordinal way: a prefilter for a
    /// pattern whose every match holds one, with letters whose case the pattern ignores exactly as this does (no k: a pattern
    /// also takes the Kelvin sign for it). Plain string searches, precompiled: a prefilter regex would be compiled at run time.
    /// One pass per literal: worth it for one or two literals, not for a pattern's many (measured: bench/README.md, issue 26,
    /// tenth session).
    /// </summary>
    public static bool ContainsAny(string text, string[] literals)
    {
        foreach (var literal in literals)
        {
            if (text.Contains(literal, StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }

    /// <summary>The rule id of a check: <c>pipeline-tampering.&lt;name&gt;</c>.</summary>
    public static string Rule(string name) => "pipeline-tampering." + name;

    /// <summary>A snippet for titles and keys: one line, at most 80 characters.</summary>
    public static string Snippet(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length > 80 ? line[..80] + "…" : line;
    }
}
