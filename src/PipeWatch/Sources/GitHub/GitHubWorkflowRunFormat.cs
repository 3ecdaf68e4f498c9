using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>workflow_run</c> webhook payload: one run of a workflow.</summary>
public sealed class GitHubWorkflowRunFormat : IPayloadFormat
{
    public string Id => "github-workflow-run";

    public bool Recognizes(JsonElement root) => root.Object("workflow_run") is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Object("workflow_run") is not { } run)
        {
            context.Reject("no 'workflow_run' object");
            return;
        }

        var id = run.Int64("id");
        if (id is null)
        {
            context.Reject("the run has no numeric 'id'");
            return;
        }

        var repository = root.Object("repository")?.String("full_name") ?? run.Object("repository")?.String("full_name");
        if (repository is null)
        {
            context.Reject("no 'repository.full_name'");
            return;
        }

        var status = run.String("status");
        var started = run.Time("run_started_at") ?? run.Time("created_at");
        var updated = run.Time("updated_at");
        var completed = string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase);
        var timestamp = (completed ? updated : null) ?? started ?? updated;
        if (timestamp is null)
        {
            context.Reject("the run has none of 'run_started_at', 'created_at', 'updated_at'");
            return;
        }

        var attempt = (int)(run.Int64("run_attempt") ?? 1);
        var name = run.String("name");
        context.Emit(new Event
        {
            Kind = EventKind.PipelineRun,
            Id = $"github:run:{id}:{attempt}:{status}",
            Timestamp = timestamp.Value,
            Dataset = "github.workflow_run",
            Action = root.String("action") ?? status,
            Outcome = completed ? OutcomeNames.Parse(run.String("conclusion")) : Outcome.Unknown,
            Completed = completed,
            Ci = new CiContext(
                repository,
                string.IsNullOrEmpty(name) ? run.String("path") ?? "(unnamed workflow)" : name,
                id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                attempt,
                Job: null,
                run.String("head_branch"),
                run.String("head_sha"),
                GitHubJob.Platform),
            UserName = run.Object("triggering_actor")?.String("login") ?? run.Object("actor")?.String("login") ?? root.Object("sender")?.String("login"),
            Start = started,
            End = completed ? updated : null,
            Duration = completed ? JsonFields.Between(started, updated) : null,
            Url = run.String("html_url"),
            Origin = context.Origin,
        });
    }
}
