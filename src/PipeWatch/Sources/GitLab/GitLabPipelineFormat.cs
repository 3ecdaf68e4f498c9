using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitLab;

/// <summary>The GitLab "Pipeline Hook" payload (<c>object_kind: pipeline</c>): one run event, then one job event per build.</summary>
internal sealed class GitLabPipelineFormat : IPayloadFormat
{
    private const string Dataset = "gitlab.pipeline";

    public string Id => "gitlab-pipeline";

    public bool Recognizes(JsonElement root) => string.Equals(root.String("object_kind"), "pipeline", StringComparison.Ordinal);

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Object("object_attributes") is not { } attributes)
        {
            context.Reject("no 'object_attributes' object");
            return;
        }

        if (attributes.Int64("id") is not { } id)
        {
            context.Reject("'object_attributes' has no numeric 'id'");
            return;
        }

        if (GitLabHook.ProjectRepository(root) is not { } repository)
        {
            context.Reject(GitLabHook.NoRepository);
            return;
        }

        var status = attributes.String("status");
        var created = attributes.Time("created_at");
        var finished = attributes.Time("finished_at");
        var completed = GitLabHook.IsFinished(status);
        var timestamp = (completed ? finished : null) ?? created ?? finished;
        if (timestamp is null)
        {
            context.Reject("the pipeline has neither 'created_at' nor 'finished_at'");
            return;
        }

        // A named pipeline (workflow:name) is its own baseline; unnamed ones share the project's default key,
        // the same key job hooks use, because runs of one project are comparable whatever branch they ran on.
        var name = attributes.String("name");
        var run = new CiContext(
            repository,
            string.IsNullOrEmpty(name) ? GitLabHook.DefaultPipeline : name,
            GitLabHook.Invariant(id),
            Branch: attributes.String("ref"),
            Commit: attributes.String("sha"),
            Platform: GitLabHook.Platform);
        var user = root.Object("user")?.String("username");
        context.Emit(new Event
        {
            Kind = EventKind.PipelineRun,
            Id = $"gitlab:pipeline:{GitLabHook.Invariant(id)}:{status ?? "unknown"}",
            Timestamp = timestamp.Value,
            Dataset = Dataset,
            Action = status,
            Outcome = completed ? OutcomeNames.Parse(status) : Outcome.Unknown,
            Completed = completed,
            Ci = run,
            UserName = user,
            Start = created,
            End = completed ? finished : null,

            // GitLab's own 'duration' excludes queueing; created→finished is the fallback when it is null.
            Duration = completed ? GitLabHook.Seconds(attributes.Double("duration")) ?? JsonFields.Between(created, finished) : null,
            Url = attributes.String("url"),
            Origin = context.Origin,
        });

        if (root.Array("builds") is not { } builds) return;
        var index = 0;
        foreach (var build in builds.EnumerateArray())
        {
            if (GitLabJobFields.FromBuild(build) is not { } job)
            {
                context.Reject($"builds[{index}]: the build has no numeric 'id'");
                return;
            }

            var buildUser = build.Object("user")?.String("username") ?? user;
            if (GitLabHook.JobEvent(job, run, buildUser, Dataset, timestamp, context.Origin) is not { } e)
            {
                context.Reject($"builds[{index}]: the build has no timestamp");
                return;
            }

            context.Emit(e);
            index++;
        }
    }
}
