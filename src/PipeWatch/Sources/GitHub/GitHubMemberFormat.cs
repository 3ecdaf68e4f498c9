using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>member</c> webhook: a collaborator added to, removed from or changed on a repository.</summary>
internal sealed class GitHubMemberFormat : IPayloadFormat
{
    public string Id => "github-member";

    public bool Recognizes(JsonElement root) =>
        root.Object("member"u8) is not null && root.Object("repository"u8) is not null && root.Object("team"u8) is null
        && GitHubAdminWebhook.ActionIsOneOf(root, "added", "removed", "edited");

    public void Read(JsonElement root, PayloadContext context)
    {
        if (GitHubAdminWebhook.Action(root) is not { } action || root.Object("member"u8) is not { } member)
        {
            context.Reject("no 'action' or 'member' object");
            return;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var changes = root.Object("changes"u8);
        GitHubAdminWebhook.Add(fields, "github.permission", changes?.Object("permission"u8)?.String("to"u8) ?? changes?.Object("role_name"u8)?.String("to"u8));
        GitHubAdminWebhook.Add(fields, "github.old_permission", changes?.Object("old_permission"u8)?.String("from"u8) ?? changes?.Object("permission"u8)?.String("from"u8));
        var auditAction = action switch
        {
            "added" => "repo.add_member",
            "removed" => "repo.remove_member",
            _ => "repo.update_member",
        };
        var repositoryId = root.Object("repository"u8)?.Int64("id"u8);
        context.Emit(GitHubAdminWebhook.ToEvent(
            root, "member", action, auditAction, $"{GitHubAdminWebhook.Part(repositoryId)}:{GitHubAdminWebhook.Part(member.Int64("id"u8))}",
            objectTime: null, member.LeadingString("login"u8), fields, context.Origin));
    }
}
