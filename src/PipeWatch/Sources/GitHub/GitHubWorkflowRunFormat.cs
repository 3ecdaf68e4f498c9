using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>workflow_run</c> webhook payload: one run of a workflow.</summary>
internal sealed class GitHubWorkflowRunFormat : IPayloadFormat
{
    public string Id => "github-workflow-run";

    public bool Recognizes(JsonElement root) => root.Object("workflow_run"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Object("workflow_run"u8) is not { } run)
        {
            context.Reject("no 'workflow_run' object");
            return;
        }

        var id = run.Int64("id"u8);
        if (id is null)
        {
            context.Reject("the run has no numeric 'id'");
            return;
        }

        var repository = root.Object("repository"u8)?.LeadingString("full_name"u8) ?? run.Object("repository"u8)?.LeadingString("full_name"u8);
        if (repository is null)
        {
            context.Reject("no 'repository.full_name'");
            return;
        }

        var status = run.String("status"u8);
        var started = run.Time("run_started_at"u8) ?? run.Time("created_at"u8);
        var updated = run.Time("updated_at"u8);
        var completed = string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase);
        var timestamp = (completed ? updated : null) ?? started ?? updated;
        if (timestamp is null)
        {
            context.Reject("the run has none of 'run_started_at', 'created_at', 'updated_at'");
            return;
        }

        var attempt = (int)(run.Int64("run_attempt"u8) ?? 1);
        var name = run.String("name"u8);
        context.Emit(new Event
        {
            Kind = EventKind.PipelineRun,
            Id = $"github:run:{id}:{attempt}:{status}",
            Timestamp = timestamp.Value,
            Dataset = "github.workflow_run",
            Action = root.String("action"u8) ?? status,
            Outcome = completed ? OutcomeNames.Parse(run.String("conclusion"u8)) : Outcome.Unknown,
            Completed = completed,
            Ci = new CiContext(
                repository,
                string.IsNullOrEmpty(name) ? run.String("path"u8) ?? "(unnamed workflow)" : name,
                id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                attempt,
                Job: null,
                run.String("head_branch"u8),
                run.String("head_sha"u8),
                GitHubJob.Platform),
            UserName = run.Object("triggering_actor"u8)?.String("login") ?? run.Object("actor"u8)?.String("login") ?? root.Object("sender"u8)?.LeadingString("login"u8),
            Start = started,
            End = completed ? updated : null,
            Duration = completed ? JsonFields.Between(started, updated) : null,
            Url = run.String("html_url"u8),
            Origin = context.Origin,
        });
    }
}
