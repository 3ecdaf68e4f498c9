using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>deploy_key</c> webhook: an SSH key given (or taken) access to one repository.</summary>
internal sealed class GitHubDeployKeyFormat : IPayloadFormat
{
    public string Id => "github-deploy-key";

    public bool Recognizes(JsonElement root) =>
        root.Object("key"u8) is not null && root.Object("repository"u8) is not null && GitHubAdminWebhook.ActionIsOneOf(root, "created", "deleted");

    public void Read(JsonElement root, PayloadContext context)
    {
        if (GitHubAdminWebhook.Action(root) is not { } action || root.Object("key"u8) is not { } key)
        {
            context.Reject("no 'action' or 'key' object");
            return;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        GitHubAdminWebhook.Add(fields, "github.deploy_key.title", key.String("title"u8));
        GitHubAdminWebhook.Add(fields, "github.deploy_key.read_only", key.String("read_only"u8));
        GitHubAdminWebhook.Add(fields, "github.deploy_key.verified", key.String("verified"u8));
        var repositoryId = root.Object("repository"u8)?.Int64("id"u8);
        context.Emit(GitHubAdminWebhook.ToEvent(
            root, "deploy_key", action, action == "created" ? "public_key.create" : "public_key.delete",
            $"{GitHubAdminWebhook.Part(repositoryId)}:{GitHubAdminWebhook.Part(key.Int64("id"u8))}",
            key.Time("created_at"u8), targetUser: null, fields, context.Origin));
    }
}
