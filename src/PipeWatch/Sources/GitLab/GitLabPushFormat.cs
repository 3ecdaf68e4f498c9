using System.Text.Json;
using PipeWatch.Events;
using PipeWatch.Sources.Git;

namespace PipeWatch.Sources.GitLab;

/// <summary>The GitLab push hook (<c>object_kind: push</c>): one commit event per commit, the pushing user as pusher.</summary>
/// <remarks>GitLab lists at most 20 commits per hook (<c>total_commits_count</c> says how many were pushed) and no line counts or signatures.</remarks>
internal sealed class GitLabPushFormat : IPayloadFormat
{
    public string Id => "gitlab-push";

    public bool Recognizes(JsonElement root) => root.String("object_kind"u8) == "push";

    public void Read(JsonElement root, PayloadContext context)
    {
        var project = root.Object("project"u8);
        var repository = project?.String("path_with_namespace"u8);
        if (repository is null || root.Array("commits"u8) is not { } commits)
        {
            context.Reject("no 'project.path_with_namespace' or 'commits'");
            return;
        }

        var reference = root.String("ref"u8) ?? string.Empty;
        var branch = reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..] : null;
        var pusher = new CommitPerson(root.String("user_name"u8), root.String("user_email"u8), root.String("user_username"u8));
        var toDefault = branch is not null && branch == project?.String("default_branch"u8);
        foreach (var commit in commits.EnumerateArray())
        {
            if (commit.String("id"u8) is not { } sha)
            {
                context.Reject("a commit without 'id'");
                continue;
            }

            var when = commit.Time("timestamp"u8);
            var author = commit.Object("author"u8);
            var person = new CommitPerson(author?.String("name"u8), author?.String("email"u8), null, when);
            var files = Files(commit, "added", CommitFileChange.Added).Concat(Files(commit, "modified", CommitFileChange.Modified)).Concat(Files(commit, "removed", CommitFileChange.Removed));
            // GitLab names no committer: it stays unknown rather than being taken for the author.
            var info = new CommitInfo(sha, person, new CommitPerson(null, null), pusher, CommitSignature.Unknown, [.. files], null, null, false, toDefault, Subject: commit.String("title"u8));
            context.Emit(CommitEvents.Of(info, repository, "gitlab.push", "gitlab", branch, context.Origin, url: commit.String("url"u8)));
        }
    }

    private static IEnumerable<CommitFile> Files(JsonElement commit, string name, CommitFileChange change) =>
        commit.Array(name) is { } paths ? paths.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => new CommitFile(p.GetString()!, change)) : [];
}
