using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>organization</c> webhook: members added, invited or removed, the organization renamed or deleted.</summary>
internal sealed class GitHubOrganizationFormat : IPayloadFormat
{
    public string Id => "github-organization";

    public bool Recognizes(JsonElement root) =>
        root.Object("organization"u8) is not null && root.Object("repository"u8) is null
        && GitHubAdminWebhook.ActionIsOneOf(root, "member_added", "member_removed", "member_invited", "renamed", "deleted");

    public void Read(JsonElement root, PayloadContext context)
    {
        if (GitHubAdminWebhook.Action(root) is not { } action)
        {
            context.Reject("no 'action'");
            return;
        }

        var membership = root.Object("membership"u8);
        var invitation = root.Object("invitation"u8);
        var user = membership?.Object("user"u8) ?? root.Object("user"u8);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        GitHubAdminWebhook.Add(fields, "github.role", membership?.String("role"u8) ?? invitation?.String("role"u8));
        GitHubAdminWebhook.Add(fields, "github.state", membership?.String("state"u8));
        GitHubAdminWebhook.Add(fields, "github.old_login", root.Object("changes"u8)?.Object("login"u8)?.String("from"u8));
        var auditAction = action switch
        {
            "member_added" => "org.add_member",
            "member_removed" => "org.remove_member",
            "member_invited" => "org.invite_member",
            "renamed" => "org.rename",
            _ => "org.delete",
        };
        var organizationId = root.Object("organization"u8)?.Int64("id"u8);
        var userId = user?.Int64("id"u8) ?? invitation?.Int64("id"u8);
        context.Emit(GitHubAdminWebhook.ToEvent(
            root, "organization", action, auditAction, $"{GitHubAdminWebhook.Part(organizationId)}:{GitHubAdminWebhook.Part(userId)}",
            invitation?.Time("created_at"u8), user?.LeadingString("login"u8) ?? invitation?.String("login"u8), fields, context.Origin));
    }
}
