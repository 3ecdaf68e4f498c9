using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.Jenkins;

/// <summary>The Pipeline Stage View document (<c>/job/NAME/N/wfapi/describe</c>): one job event whose steps are the build's stages.</summary>
/// <remarks>
/// Jenkins has no job level between a build and its stages, so the stage list of the whole build is read as the steps
/// of one job with the fixed name <see cref="JobName"/>; every build of a pipeline then feeds the same step-order and
/// step-duration baselines.
/// </remarks>
internal sealed class JenkinsStagesFormat : IPayloadFormat
{
    /// <summary>The <c>ci.job</c> of every stages event.</summary>
    public const string JobName = "stages";

    public string Id => "jenkins-stages";

    public bool Recognizes(JsonElement root) =>
        root.Array("stages") is not null && root.Object("_links") is not null && root.String("_class") is null;

    public void Read(JsonElement root, PayloadContext context)
    {
        var job = JenkinsJobNames.FromPath(root.Object("_links")?.Object("self")?.String("href"));
        if (job is null)
        {
            context.Reject("no job name: '_links.self.href' has no '/job/NAME/' path");
            return;
        }

        if (root.String("id") is not { Length: > 0 } id)
        {
            context.Reject("no build 'id'");
            return;
        }

        var status = root.String("status");
        var outcome = OutcomeNames.Parse(status);

        // IN_PROGRESS and PAUSED_PENDING_INPUT parse as Unknown: the build is still going.
        var completed = outcome != Outcome.Unknown;
        var start = root.EpochMilliseconds("startTimeMillis");
        var duration = completed ? Milliseconds(root) : null;
        var end = completed ? root.EpochMilliseconds("endTimeMillis") ?? start + duration : null;
        var timestamp = end ?? start;
        if (timestamp is null)
        {
            context.Reject("no 'startTimeMillis' (milliseconds since the epoch)");
            return;
        }

        context.Emit(new Event
        {
            Kind = EventKind.PipelineJob,
            Id = $"jenkins:stages:{job}:{id}:{status ?? "UNKNOWN"}",
            Timestamp = timestamp.Value,
            Dataset = "jenkins.stages",
            Action = status,
            Outcome = outcome,
            Completed = completed,
            Ci = new CiContext(job, job, id, Job: JobName, Platform: JenkinsJobNames.Platform),
            Start = start,
            End = end,
            Duration = duration,
            Steps = root.Array("stages") is { } stages ? ReadStages(stages) : [],
            Origin = context.Origin,
        });
    }

    private static TimeSpan? Milliseconds(JsonElement element) =>
        element.Int64("durationMillis") is >= 0 and var ms ? TimeSpan.FromMilliseconds(ms) : null;

    private static IReadOnlyList<StepRecord> ReadStages(JsonElement stages)
    {
        var records = new List<StepRecord>(stages.GetArrayLength());
        foreach (var stage in stages.EnumerateArray())
        {
            var name = stage.String("name");
            if (string.IsNullOrEmpty(name)) continue;
            var outcome = OutcomeNames.Parse(stage.String("status"));

            // A stage that did not run (NOT_EXECUTED) or was cut short reports a duration that says nothing about the stage.
            var duration = outcome is Outcome.Success or Outcome.Failure ? Milliseconds(stage) : null;
            records.Add(new StepRecord(name, records.Count + 1, outcome, duration));
        }

        return records;
    }
}
