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
    /// <param name="reads">Where the pins read from earlier versions are remembered, when the caller keeps them (the same as reading them).</param>
    public static IEnumerable<WorkflowIssue> Check(CiDefinition definition, ActionPins pins, PinReads? reads = null)
    {
        var issues = new List<WorkflowIssue>();
        // The jobs' reusable workflows first, then the steps: the order pins are learned in decides which pairing is kept.
        foreach (var job in definition.Jobs)
        {
            if (job.Uses is { } uses) Check(definition, pins, reads, job.Id, null, uses, issues);
        }

        foreach (var step in definition.Steps)
        {
            if (step.Uses is { } uses) Check(definition, pins, reads, step.Job, step.Label, uses, issues);
        }

        return issues;
    }

    /// <summary>The pin <paramref name="uses"/> reads as on its <paramref name="line"/>: the action and SHA of <c>owner/repo@SHA</c> and the version of the line's comment; null for any other reference or a line without a version comment.</summary>
    internal static ActionPin? Read(string uses, string line)
    {
        if (Pin().Match(uses.Trim()) is not { Success: true } pin) return null;
        if (Comment().Match(line) is not { Success: true } comment) return null;
        return new ActionPin(pin.Groups[1].Value, pin.Groups[2].Value, comment.Groups[1].Value);
    }

    private static void Check(CiDefinition definition, ActionPins pins, PinReads? reads, string? job, string? step, CiText uses, List<WorkflowIssue> issues)
    {
        if (uses.Line < 1 || uses.Line > definition.Lines.Count) return;
        var line = definition.Lines[uses.Line - 1];
        if ((reads is null ? Read(uses.Value, line) : reads.Of(uses, line)) is not { } pin) return;
        var (action, sha, tag) = (pin.Action, pin.Sha, pin.Tag);
        var knownSha = pins.ShaOf(pin);
        var knownTag = pins.TagOf(pin);
        string? why = null;
        if (knownSha is not null && knownSha != sha && Exact(tag))
        {
            why = $"this repository already pins {action} {tag} to {knownSha}, not {sha}";
        }
        else if (knownTag is not null && !Compatible(knownTag, tag))
        {
            why = $"this repository already pins {action} {sha} as {knownTag}, not {tag}";
        }

        pins.Learn(pin);
        if (why is null) return;
        issues.Add(new WorkflowIssue(
            Rule, Severity.Medium, uses.Line, job, step, $"{action}@{sha}#{tag}",
            $"{action}@{sha[..12]} is labelled {tag}, which does not match earlier pins",
            $"The comment says {tag}, but {why}: either the comment is stale or the SHA was swapped for other code (an impostor or re-pointed commit) behind a familiar version label."));
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
