using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>membership</c> webhook: a user added to or removed from a team.</summary>
internal sealed class GitHubMembershipFormat : IPayloadFormat
{
    public string Id => "github-membership";

    public bool Recognizes(JsonElement root) =>
        root.Object("member"u8) is not null && root.Object("team"u8) is not null && root.String("scope"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (GitHubAdminWebhook.Action(root) is not { } action || root.Object("member"u8) is not { } member)
        {
            context.Reject("no 'action' or 'member' object");
            return;
        }

        var team = root.Object("team"u8);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        GitHubAdminWebhook.Add(fields, "github.team", team?.String("name"u8));
        GitHubAdminWebhook.Add(fields, "github.permission", team?.String("permission"u8));
        GitHubAdminWebhook.Add(fields, "github.scope", root.String("scope"u8));
        var auditAction = action switch
        {
            "added" => "team.add_member",
            "removed" => "team.remove_member",
            _ => "team." + action,
        };
        context.Emit(GitHubAdminWebhook.ToEvent(
            root, "membership", action, auditAction, $"{GitHubAdminWebhook.Part(team?.Int64("id"u8))}:{GitHubAdminWebhook.Part(member.Int64("id"u8))}",
            objectTime: null, member.LeadingString("login"u8), fields, context.Origin));
    }
}
