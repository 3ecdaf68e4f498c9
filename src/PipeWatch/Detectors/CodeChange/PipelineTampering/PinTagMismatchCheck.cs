using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds an action pinned to a SHA whose version comment disagrees with what the repository has already pinned: the same tag at another SHA, or the same SHA under another tag.</summary>
/// <remarks>
/// Which SHA a tag really points to is only known to the action's repository; offline, the table is the repository's own history
/// (<see cref="ActionPins"/>) plus the earlier pins of the same file. A first-ever pin with a wrong comment is not detectable here.
/// </remarks>
internal static partial class PinTagMismatchCheck
{
    public static readonly string Rule = Scripts.Rule("pin-tag-mismatch");

    /// <summary>The mismatches in <paramref name="definition"/> against <paramref name="pins"/>, learning every pin it reads.</summary>
    public static IEnumerable<WorkflowIssue> Check(CiDefinition definition, ActionPins pins)
    {
        var issues = new List<WorkflowIssue>();
        foreach (var (job, step, uses) in definition.Jobs.Where(j => j.Uses is not null).Select(j => (j.Id, (string?)null, j.Uses!))
            .Concat(definition.Steps.Where(s => s.Uses is not null).Select(s => (s.Job, (string?)s.Label, s.Uses!))))
        {
            if (Pin().Match(uses.Value.Trim()) is not { Success: true } pin || uses.Line < 1 || uses.Line > definition.Lines.Count) continue;
            if (Comment().Match(definition.Lines[uses.Line - 1]) is not { Success: true } comment) continue;
            var (action, sha, tag) = (pin.Groups[1].Value, pin.Groups[2].Value, comment.Groups[1].Value);
            var knownSha = pins.ShaOf(action, tag);
            var knownTag = pins.TagOf(action, sha);
            string? why = null;
            if (knownSha is not null && knownSha != sha && Exact(tag))
            {
                why = $"this repository already pins {action} {tag} to {knownSha}, not {sha}";
            }
            else if (knownTag is not null && !Compatible(knownTag, tag))
            {
                why = $"this repository already pins {action} {sha} as {knownTag}, not {tag}";
            }

            pins.Learn(action, sha, tag);
            if (why is null) continue;
            issues.Add(new WorkflowIssue(
                Rule, Severity.Medium, uses.Line, job, step, $"{action}@{sha}#{tag}",
                $"{action}@{sha[..12]} is labelled {tag}, which does not match earlier pins",
                $"The comment says {tag}, but {why}: either the comment is stale or the SHA was swapped for other code (an impostor or re-pointed commit) behind a familiar version label."));
        }

        return issues;
    }

    /// <summary>A full version (three numbers): a tag that should name one commit for good, unlike a moving major tag such as v4.</summary>
    private static bool Exact(string tag) => tag.TrimStart('v').Split('.').Length >= 3;

    /// <summary>Two tags one commit can carry at once: equal, or one a version prefix of the other (v1, v1.0, v1.0.0).</summary>
    private static bool Compatible(string a, string b)
    {
        var (x, y) = (a.TrimStart('v'), b.TrimStart('v'));
        return x == y || x.StartsWith(y + ".", StringComparison.Ordinal) || y.StartsWith(x + ".", StringComparison.Ordinal);
    }

    [GeneratedRegex("^([^@\\s]+)@([0-9a-f]{40})$")]
    private static partial Regex Pin();

    [GeneratedRegex(@"#\s*(?:tag\s*=\s*)?(v?\d[\w.\-+/]*)")]
    private static partial Regex Comment();
}
