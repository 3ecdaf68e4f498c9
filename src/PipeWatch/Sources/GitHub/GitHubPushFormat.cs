using System.Text.Json;
using PipeWatch.Events;
using PipeWatch.Sources.Git;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>push</c> webhook: one commit event per pushed commit, with the pusher, the forced flag and whether the push went straight to the default branch.</summary>
/// <remarks>A push with no commits (a tag, a branch deletion, a rewind) has nothing to analyse and yields no event. Line counts are not in the payload.</remarks>
internal sealed class GitHubPushFormat : IPayloadFormat
{
    public string Id => "github-push";

    public bool Recognizes(JsonElement root) =>
        root.Object("pusher"u8) is not null && root.Array("commits"u8) is not null && root.String("ref"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        var repository = root.Object("repository"u8) is { } repo ? repo.LeadingString("full_name"u8) : null;
        if (repository is null || root.Array("commits"u8) is not { } commits)
        {
            context.Reject("no 'repository.full_name' or 'commits'");
            return;
        }

        var reference = root.String("ref"u8)!;
        var branch = reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..] : null;
        var defaultBranch = root.Object("repository"u8)?.String("default_branch"u8) ?? root.Object("repository"u8)?.String("master_branch"u8);
        var pusherNode = root.Object("pusher"u8)!.Value;
        var pusher = new CommitPerson(pusherNode.String("name"u8), pusherNode.String("email"u8), root.Object("sender"u8)?.String("login"u8));
        var forced = root.String("forced"u8) == "true";
        foreach (var commit in commits.EnumerateArray())
        {
            if (commit.String("id"u8) is not { } sha)
            {
                context.Reject("a commit without 'id'");
                continue;
            }

            var when = commit.Time("timestamp"u8);
            var files = Files(commit, "added", CommitFileChange.Added).Concat(Files(commit, "modified", CommitFileChange.Modified)).Concat(Files(commit, "removed", CommitFileChange.Removed));
            var message = commit.String("message"u8);
            var info = new CommitInfo(
                sha, Person(commit.Object("author"u8), when), Person(commit.Object("committer"u8), when), pusher,
                Signature(commit), [.. files], null, null, forced, branch is not null && branch == defaultBranch,
                Subject: message?.Split('\n')[0]);
            context.Emit(CommitEvents.Of(info, repository, "github.push", "github", branch, context.Origin, url: commit.String("url"u8)));
        }
    }

    private static CommitPerson Person(JsonElement? person, DateTimeOffset? when) =>
        new(person?.String("name"u8), person?.String("email"u8), person?.String("username"u8), when);

    /// <summary>Push payloads carry <c>verification</c> only in some forms (the REST commit object); otherwise the state is unknown.</summary>
    private static CommitSignature Signature(JsonElement commit) =>
        commit.Object("verification"u8)?.String("verified"u8) switch
        {
            "true" => CommitSignature.Signed,
            "false" => commit.Object("verification"u8)?.String("reason"u8) == "unsigned" ? CommitSignature.Unsigned : CommitSignature.Bad,
            _ => CommitSignature.Unknown,
        };

    private static IEnumerable<CommitFile> Files(JsonElement commit, string name, CommitFileChange change) =>
        commit.Array(name) is { } paths ? paths.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => new CommitFile(p.GetString()!, change)) : [];
}
