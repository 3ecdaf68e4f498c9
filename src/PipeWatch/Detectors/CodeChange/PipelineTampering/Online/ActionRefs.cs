using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering.Online;

/// <summary>One <c>uses: owner/repo[/path]@ref</c> of a workflow or action, with its version comment (<c># v4.1.0</c>) when it has one.</summary>
/// <param name="Repository">owner/repo: whom GitHub is asked about.</param>
/// <param name="Action">What the file names before the <c>@</c> (owner/repo/path for an action in a sub-folder).</param>
/// <param name="Ref">The ref after the <c>@</c>: a 40-character SHA, a tag or a branch.</param>
internal sealed record ActionRef(string Repository, string Action, string Ref, string? Comment, int Line, string? Job, string? Step)
{
    public bool IsSha => Ref.Length == 40 && Ref.All(char.IsAsciiHexDigitLower);

    /// <summary>What identifies the reference across versions of a file (no line).</summary>
    public string Key => $"{Job}|{Action}@{Ref}#{Comment}";
}

/// <summary>Reads the remote action references of a definition; local (<c>./</c>), <c>docker://</c> and expression references are not remote refs.</summary>
internal static partial class ActionRefs
{
    /// <summary>The references of <paramref name="definition"/> whose owner, name and ref are plain enough to put in an API path.</summary>
    public static IEnumerable<ActionRef> Of(CiDefinition definition)
    {
        var uses = definition.Jobs.Where(j => j.Uses is not null).Select(j => (j.Id, (string?)null, j.Uses!))
            .Concat(definition.Steps.Where(s => s.Uses is not null).Select(s => (s.Job, (string?)s.Label, s.Uses!)));
        foreach (var (job, step, text) in uses)
        {
            if (Reference().Match(text.Value.Trim()) is not { Success: true } match) continue;
            var reference = match.Groups["ref"].Value;
            if (match.Groups["repo"].Value is "." or "..") continue;
            if (reference.Contains("..", StringComparison.Ordinal) || reference.EndsWith('/') || reference.Length > 255) continue;
            var comment = text.Line >= 1 && text.Line <= definition.Lines.Count && Comment().Match(definition.Lines[text.Line - 1]) is { Success: true } c
                ? c.Groups[1].Value
                : null;
            yield return new ActionRef(
                $"{match.Groups["owner"].Value}/{match.Groups["repo"].Value}", match.Groups["action"].Value, reference, comment, text.Line, job, step);
        }
    }

    [GeneratedRegex(@"^(?<action>(?<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?<repo>[A-Za-z0-9_.-]{1,100})(?:/[A-Za-z0-9_./-]+)?)@(?<ref>[A-Za-z0-9_./+-]+)$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"#\s*(?:tag\s*[=:]\s*)?(v?\d[\w.\-+]*)")]
    private static partial Regex Comment();
}
