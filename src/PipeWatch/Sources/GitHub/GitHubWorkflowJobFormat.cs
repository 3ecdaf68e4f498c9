using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>workflow_job</c> webhook payload: one job with its steps.</summary>
internal sealed class GitHubWorkflowJobFormat : IPayloadFormat
{
    /// <summary>The format's id (see <see cref="Id"/>).</summary>
    public const string FormatId = "github-workflow-job";

    /// <summary>The <c>event.dataset</c> of its events.</summary>
    internal const string Dataset = "github.workflow_job";

    public string Id => FormatId;

    public bool Recognizes(JsonElement root) => root.Object("workflow_job"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Object("workflow_job"u8) is not { } job)
        {
            context.Reject("no 'workflow_job' object");
            return;
        }

        var repository = root.Object("repository"u8)?.LeadingString("full_name"u8);
        var sender = root.Object("sender"u8)?.LeadingString("login"u8);
        var e = GitHubJob.ToEvent(job, repository, sender, root.String("action"u8), Dataset, context.Origin, out var rejection);
        if (e is null)
        {
            context.Reject(rejection!);
            return;
        }

        context.Emit(e);
    }
}
