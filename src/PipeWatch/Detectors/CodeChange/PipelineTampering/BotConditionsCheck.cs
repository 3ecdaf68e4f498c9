using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds <c>if:</c> conditions that trust <c>github.actor</c> (or <c>triggering_actor</c>, <c>actor_id</c>) to be a bot: the actor is whoever last acted, so anyone can make a bot's pull request run their code.</summary>
internal sealed partial class BotConditionsCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("bot-conditions");

    // Reads the conditions and the triggers (never replaced).
    public bool Sees(DerivedChange change) => change.TouchesConditions;

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        var privileged = definition.TriggeredBy("pull_request_target", "workflow_run", "issue_comment", "pull_request_review", "pull_request_review_comment");
        foreach (var (line, value, _) in Conditions.Of(definition))
        {
            if (ActorIsBot().Match(value) is not { Success: true } m) continue;
            yield return new WorkflowIssue(
                Rule, privileged ? Severity.High : Severity.Medium, line, null, null, m.Value,
                $"Condition '{Scripts.Snippet(m.Value)}' trusts the actor to be a bot",
                "github.actor is the account behind the latest event, not the pull request's author: an outsider who pushes to, or re-runs, a bot's pull request (Dependabot's, Renovate's) can pass this check and run with what it guards. " +
                "Check github.event.pull_request.user.login and that the head repository is this one, or use the bot's own metadata action.");
        }
    }

    // github.actor / github['actor'] / triggering_actor / actor_id compared with a [bot] login or a numeric id.
    [GeneratedRegex(@"(?i)github(?:\.|\[\s*['""])(?:triggering_)?actor(?:_id)?(?:['""]\s*\])?\s*==\s*(?:'[^']*\[bot\]'|""[^""]*\[bot\]""|'?\d+'?)|(?:'[^']*\[bot\]'|'?\d{5,}'?)\s*==\s*github(?:\.|\[\s*['""])(?:triggering_)?actor(?:_id)?")]
    private static partial Regex ActorIsBot();
}
