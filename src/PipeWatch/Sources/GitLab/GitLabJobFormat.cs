using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitLab;

/// <summary>The GitLab "Job Hook" payload (<c>object_kind: build</c>): one job event.</summary>
internal sealed class GitLabJobFormat : IPayloadFormat
{
    public string Id => "gitlab-job";

    public bool Recognizes(JsonElement root) => string.Equals(root.String("object_kind"), "build", StringComparison.Ordinal);

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Int64("build_id") is not { } id)
        {
            context.Reject("no numeric 'build_id'");
            return;
        }

        var repository = Repository(root);
        if (repository is null)
        {
            context.Reject("no repository: none of 'project.path_with_namespace', 'repository.homepage', 'project_name' is present");
            return;
        }

        var job = new GitLabJobFields(
            id,
            root.String("build_name"),
            root.String("build_status"),
            root.Time("build_created_at"),
            root.Time("build_started_at"),
            root.Time("build_finished_at"),
            root.Double("build_duration"));

        // Job hooks carry no pipeline name: the default key keeps them on the same baseline as unnamed pipeline hooks.
        var run = new CiContext(
            repository,
            GitLabHook.DefaultPipeline,
            root.Int64("pipeline_id") is { } pipelineId ? GitLabHook.Invariant(pipelineId) : "?",
            Branch: root.String("ref"),
            Commit: root.String("sha") ?? root.Object("commit")?.String("sha"),
            Platform: GitLabHook.Platform);
        var e = GitLabHook.JobEvent(job, run, root.Object("user")?.String("username"), "gitlab.job", fallbackTime: null, context.Origin);
        if (e is null)
        {
            context.Reject("the job has none of 'build_finished_at', 'build_started_at', 'build_created_at'");
            return;
        }

        context.Emit(e);
    }

    /// <summary>
    /// Newer hooks carry <c>project.path_with_namespace</c>; older ones only <c>repository.homepage</c> (whose path is the same)
    /// and <c>project_name</c>, which is a display name ("Group / project") used only as a last resort.
    /// </summary>
    private static string? Repository(JsonElement root)
    {
        var repository = root.Object("repository");
        return root.Object("project")?.String("path_with_namespace")
            ?? GitRemotes.RepositoryPath(repository?.String("homepage"))
            ?? GitRemotes.RepositoryPath(repository?.String("git_http_url"))
            ?? root.String("project_name")?.Replace(" / ", "/", StringComparison.Ordinal);
    }
}
