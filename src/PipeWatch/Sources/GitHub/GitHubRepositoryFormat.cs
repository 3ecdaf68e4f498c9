using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>repository</c> webhook: a repository created, deleted, archived, renamed, transferred, or made public or private.</summary>
/// <remarks>Recognized only when the payload has no object besides those every webhook has, so other webhooks about a repository are not taken.</remarks>
internal sealed class GitHubRepositoryFormat : IPayloadFormat
{
    public string Id => "github-repository";

    public bool Recognizes(JsonElement root)
    {
        if (root.Object("repository"u8) is null
            || !GitHubAdminWebhook.ActionIsOneOf(root, "created", "deleted", "archived", "unarchived", "edited", "renamed", "transferred", "publicized", "privatized"))
        {
            return false;
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object
                && property.Name is not ("repository" or "organization" or "sender" or "installation" or "enterprise" or "changes"))
            {
                return false;
            }
        }

        return true;
    }

    public void Read(JsonElement root, PayloadContext context)
    {
        if (GitHubAdminWebhook.Action(root) is not { } action || root.Object("repository"u8) is not { } repository)
        {
            context.Reject("no 'action' or 'repository' object");
            return;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        // The payload's own 'visibility' can lag the change (a privatized payload still says public); the action is the truth.
        var visibility = action switch
        {
            "publicized" => "public",
            "privatized" => "private",
            _ => repository.String("visibility"u8),
        };
        GitHubAdminWebhook.Add(fields, "github.visibility", visibility);
        GitHubAdminWebhook.Add(fields, "github.public_repo", visibility is null ? null : (visibility == "public" ? "true" : "false"));
        var changes = root.Object("changes"u8);
        GitHubAdminWebhook.Add(fields, "github.old_name", changes?.Object("repository"u8)?.Object("name"u8)?.String("from"u8));
        var oldOwner = changes?.Object("owner"u8)?.Object("from"u8);
        GitHubAdminWebhook.Add(fields, "github.old_owner", oldOwner?.Object("organization"u8)?.LeadingString("login"u8) ?? oldOwner?.Object("user"u8)?.LeadingString("login"u8));
        GitHubAdminWebhook.Add(fields, "github.old_default_branch", changes?.Object("default_branch"u8)?.String("from"u8));
        if (changes is not null) GitHubAdminWebhook.Add(fields, "github.changes", string.Join(',', changes.Value.EnumerateObject().Select(p => p.Name)));
        GitHubAdminWebhook.Add(fields, "github.description", repository.String("description"u8));

        var auditAction = action switch
        {
            "created" => "repo.create",
            "deleted" => "repo.destroy",
            "archived" => "repo.archived",
            "unarchived" => "repo.unarchived",
            "renamed" => "repo.rename",
            "transferred" => "repo.transfer",
            "publicized" or "privatized" => "repo.access",
            _ => "repo.update",
        };

        // A new repository's updated_at can precede its created_at by a second; the later of the two is the change.
        var created = repository.Time("created_at"u8);
        var updated = repository.Time("updated_at"u8);
        var time = created is { } c && updated is { } u ? (c > u ? c : u) : created ?? updated;
        var version = time?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) ?? "-";
        context.Emit(GitHubAdminWebhook.ToEvent(
            root, "repository", action, auditAction, $"{GitHubAdminWebhook.Part(repository.Int64("id"u8))}:{version}",
            time, targetUser: null, fields, context.Origin));
    }
}
