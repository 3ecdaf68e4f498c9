using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>branch_protection_rule</c> webhook: a classic branch protection rule created, edited or deleted.</summary>
internal sealed class GitHubBranchProtectionRuleFormat : IPayloadFormat
{
    public string Id => "github-branch-protection-rule";

    public bool Recognizes(JsonElement root) =>
        root.Object("rule"u8) is not null && root.Object("repository"u8) is not null && GitHubAdminWebhook.ActionIsOneOf(root, "created", "edited", "deleted");

    public void Read(JsonElement root, PayloadContext context)
    {
        if (GitHubAdminWebhook.Action(root) is not { } action || root.Object("rule"u8) is not { } rule)
        {
            context.Reject("no 'action' or 'rule' object");
            return;
        }

        // Every setting of the rule (enforcement levels, review counts), so a rule can say what was weakened.
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in rule.EnumerateObject())
        {
            if (property.Name is "id" or "repository_id" or "created_at" or "updated_at") continue;
            GitHubAdminWebhook.Add(fields, "github.rule." + property.Name, GitHubAdminWebhook.Scalar(property.Value));
        }

        if (root.Object("changes"u8) is { } changes)
        {
            GitHubAdminWebhook.Add(fields, "github.changes", string.Join(',', changes.EnumerateObject().Select(p => p.Name)));
        }

        var auditAction = action switch
        {
            "created" => "protected_branch.create",
            "deleted" => "protected_branch.destroy",
            _ => "protected_branch.update",
        };
        var time = rule.Time("updated_at"u8) ?? rule.Time("created_at"u8);
        var version = time?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) ?? "-";
        var repositoryId = root.Object("repository"u8)?.Int64("id"u8);
        context.Emit(GitHubAdminWebhook.ToEvent(
            root, "branch_protection_rule", action, auditAction,
            $"{GitHubAdminWebhook.Part(repositoryId)}:{GitHubAdminWebhook.Part(rule.Int64("id"u8))}:{version}",
            time, targetUser: null, fields, context.Origin));
    }
}
