using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>secret_scanning_alert</c> webhook: a leaked secret found, resolved, reopened or its push protection bypassed.</summary>
internal sealed class GitHubSecretScanningAlertFormat : IPayloadFormat
{
    public string Id => "github-secret-scanning-alert";

    public bool Recognizes(JsonElement root) => root.Object("alert"u8) is { } alert && alert.TryGetProperty("secret_type"u8, out _) && root.String("action"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (GitHubAdminWebhook.Action(root) is not { } action || root.Object("alert"u8) is not { } alert)
        {
            context.Reject("no 'action' or 'alert' object");
            return;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        GitHubAdminWebhook.Add(fields, "github.secret_type", alert.String("secret_type"u8));
        GitHubAdminWebhook.Add(fields, "github.secret_type_display_name", alert.String("secret_type_display_name"u8));
        GitHubAdminWebhook.Add(fields, "github.alert_number", alert.String("number"u8));
        GitHubAdminWebhook.Add(fields, "github.resolution", alert.String("resolution"u8));
        GitHubAdminWebhook.Add(fields, "github.push_protection_bypassed", alert.String("push_protection_bypassed"u8));
        var resolvedBy = alert.Object("resolved_by"u8)?.LeadingString("login"u8);
        var time = alert.Time("updated_at"u8) ?? alert.Time("resolved_at"u8) ?? alert.Time("created_at"u8);
        var repositoryId = root.Object("repository"u8)?.Int64("id"u8);
        context.Emit(GitHubAdminWebhook.ToEvent(
            root, "secret_scanning_alert", action, "secret_scanning_alert." + action,
            $"{GitHubAdminWebhook.Part(repositoryId)}:{GitHubAdminWebhook.Part(alert.Int64("number"u8))}",
            time, resolvedBy, fields, context.Origin));
    }
}
