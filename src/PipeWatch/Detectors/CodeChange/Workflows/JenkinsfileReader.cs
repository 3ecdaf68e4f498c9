using System.Text.RegularExpressions;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>Reads a Jenkinsfile at the text level: each <c>stage</c> and each <c>sh</c>/<c>bat</c>/<c>powershell</c> script is a step.</summary>
/// <remarks>Groovy is not parsed: a script is the quoted text after the step keyword, a triple-quoted one running to its closing quotes.</remarks>
internal static partial class JenkinsfileReader
{
    public const string PipelineJob = "(pipeline)";

    public static CiDefinition Read(string path, IReadOnlyList<string> lines)
    {
        var steps = new List<CiStep>();
        var agents = new List<CiText>();
        string? stage = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (Stage().Match(line) is { Success: true } s)
            {
                stage = s.Groups[1].Value;
                steps.Add(new CiStep(PipelineJob, "stage: " + stage, i + 1, null, null, Empty.Map, Empty.Map));
                continue;
            }

            if (Agent().Match(line) is { Success: true } a) agents.Add(new CiText(a.Groups[1].Value, i + 1));
            if (Script().Match(line) is not { Success: true } m) continue;
            var quote = m.Groups[2].Value;
            var start = m.Index + m.Length;
            string text;
            if (quote.Length == 3)
            {
                var builder = new List<string>();
                var rest = line[start..];
                var j = i;
                while (true)
                {
                    var end = rest.IndexOf(quote, StringComparison.Ordinal);
                    if (end >= 0)
                    {
                        builder.Add(rest[..end]);
                        break;
                    }

                    builder.Add(rest);
                    if (++j >= lines.Count) break;
                    rest = lines[j];
                }

                text = string.Join('\n', builder);
            }
            else
            {
                var end = line.IndexOf(quote, start, StringComparison.Ordinal);
                text = end >= 0 ? line[start..end] : line[start..];
            }

            var run = new CiText(text, i + 1, Block: true);
            var label = (stage is null ? string.Empty : stage + " › ") + CiDefinitionParser.ScriptLabel(text);
            steps.Add(new CiStep(PipelineJob, label, i + 1, null, run, Empty.Map, Empty.Map));
        }

        var job = new CiJob(PipelineJob, 1, agents, Empty.Matrix, Empty.Excluded, [], Empty.Map, null, null, null, steps);
        return new CiDefinition(path, CiPlatform.Jenkins, [], null, Empty.Map, [job], lines);
    }

    [GeneratedRegex("""\bstage\s*\(\s*['"]([^'"]+)['"]""")]
    private static partial Regex Stage();

    [GeneratedRegex("""\blabel\s*\(?\s*['"]([^'"]+)['"]""")]
    private static partial Regex Agent();

    [GeneratedRegex("""\b(sh|bat|powershell|pwsh)\b\s*\(?\s*(?:script\s*:\s*)?('''|\"\"\"|'|")""")]
    private static partial Regex Script();
}
