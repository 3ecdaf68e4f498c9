using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Access;

/// <summary>Finds administrative changes that widen an attacker's reach: a new owner or admin, an outside collaborator, branch protection removed, a repository made public, a webhook to an outside host.</summary>
/// <remarks>Stateless: a table of rules on GitHub audit-log actions, each firing once per event.</remarks>
internal sealed class PermissionWidenedDetector : IDetector
{
    private static readonly Rule[] Rules =
    [
        new("new-admin", Severity.High, ["T1098", "T1078"],
            (e, _) => e.Action is "business.add_admin" or "business.add_owner"
                || (e.Action is "org.update_member" or "org.add_member" && IsAdmin(e.Fields.GetValueOrDefault("github.permission"))),
            e => $"'{Target(e)}' made an administrator of {Where(e)}",
            e => $"'{Actor(e)}' did '{e.Action}' giving '{Target(e)}' {e.Fields.GetValueOrDefault("github.permission") ?? "admin"} rights" +
                $"{Was(e.Fields.GetValueOrDefault("github.old_permission"))} on {Where(e)}: an owner can change every setting, secret and member."),
        new("outside-collaborator", Severity.Medium, ["T1098"],
            (e, _) => e.Action is "org.add_outside_collaborator" or "repo.add_member",
            e => $"Collaborator '{Target(e)}' added to {Where(e)}",
            e => $"'{Actor(e)}' did '{e.Action}' adding '{Target(e)}'{Permission(e)} to {Where(e)}: a collaborator outside the organization's membership can read and often push code."),
        new("branch-protection-removed", Severity.High, ["T1562.001"],
            (e, _) => e.Action is "protected_branch.destroy" or "protected_branch.policy_override" or "repository_ruleset.destroy",
            e => $"Branch protection {(e.Action == "protected_branch.policy_override" ? "overridden" : "removed")} on {Where(e)}",
            e => $"'{Actor(e)}' did '{e.Action}'{Branch(e)} on {Where(e)}: without review and status checks a push reaches the default branch and its pipelines unchecked."),
        new("made-public", Severity.High, ["T1567"],
            (e, _) => e.Action == "repo.access" && string.Equals(e.Fields.GetValueOrDefault("github.visibility"), "public", StringComparison.OrdinalIgnoreCase),
            e => $"{Where(e)} made public",
            e => $"'{Actor(e)}' did '{e.Action}' making {Where(e)} public{Was(e.Fields.GetValueOrDefault("github.previous_visibility"))}: its code, history and any secret in them are readable by anyone."),
        new("webhook-outside", Severity.High, ["T1020", "T1567"],
            (e, o) => e.Action == "hook.create" && !IsAllowed(e.Fields.GetValueOrDefault("github.config.url"), o.WebhookDomains),
            e => $"Webhook to {Host(e.Fields.GetValueOrDefault("github.config.url")) ?? "an unknown host"} added on {Where(e)}",
            e => $"'{Actor(e)}' did '{e.Action}' on {Where(e)} sending events to {e.Fields.GetValueOrDefault("github.config.url") ?? "an unlisted URL"}, " +
                "a host not on the allowed webhook domains: every push, pull request or member change will be delivered there."),
    ];

    private readonly PermissionWidenedOptions _options;

    public PermissionWidenedDetector(PermissionWidenedOptions? options = null) => _options = options ?? new PermissionWidenedOptions();

    public DetectorInfo Info { get; } = new(
        "access.permission-widened",
        Categories.PermissionWidened,
        [EventKind.Audit],
        "A new owner or admin, an outside collaborator, branch protection removed, a repository made public, a webhook to an outside host.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Action is null) return;
        foreach (var rule in Rules)
        {
            if (!rule.Matches(e, _options)) continue;
            context.Report(new Finding
            {
                Rule = Info.Id,
                Category = Info.Category,
                Severity = rule.Severity,
                Title = rule.Title(e),
                Explanation = rule.Explain(e),
                Entity = new Entity(Where(e), Actor: e.UserName, Target: e.TargetUser),
                Location = new Location(File: e.Origin.File, Line: e.Origin.Line, Url: e.Url),
                Evidence = [Evidence.Of("change", rule.Kind), Evidence.Of("action", e.Action), Evidence.Of("target", e.TargetUser ?? "-")],
                Techniques = rule.Techniques,
                Timestamp = e.Timestamp,
                DetectedAt = context.Now,
                Fingerprint = Fingerprint.Of(Info.Id, rule.Kind, e.Id),
            });
            return;
        }
    }

    private static bool IsAdmin(string? permission) => permission is not null
        && (permission.Equals("admin", StringComparison.OrdinalIgnoreCase) || permission.Equals("owner", StringComparison.OrdinalIgnoreCase));

    private static bool IsAllowed(string? url, IReadOnlyList<string> domains) => Host(url) is { } host
        && domains.Any(d => host.Equals(d, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + d, StringComparison.OrdinalIgnoreCase));

    private static string? Host(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : null;

    private static string Where(Event e) => e.Ci.Repository is { Length: > 0 } repo ? repo : e.Organization ?? "the account";

    private static string Actor(Event e) => e.UserName ?? "unknown actor";

    private static string Target(Event e) => e.TargetUser ?? "unknown user";

    private static string Was(string? before) => before is null ? string.Empty : $" (was {before})";

    private static string Permission(Event e) => e.Fields.GetValueOrDefault("github.permission") is { } p ? $" with {p} permission" : string.Empty;

    private static string Branch(Event e) => e.Fields.GetValueOrDefault("github.name") is { } b ? $" for '{b}'" : string.Empty;

    private sealed record Rule(
        string Kind, Severity Severity, IReadOnlyList<string> Techniques, Func<Event, PermissionWidenedOptions, bool> Matches, Func<Event, string> Title, Func<Event, string> Explain);
}
