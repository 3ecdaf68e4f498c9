using PipeWatch.Events;
using PipeWatch.Sources.Jenkins;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.Jenkins;

public sealed class JenkinsStagesFormatTests
{
    [Fact]
    public async Task Stage_view_yields_one_job_whose_steps_are_the_stages()
    {
        var (events, problems) = await ReadAsync(Fixture("Jenkins", "stages-success.json"));

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal(EventKind.PipelineJob, job.Kind);
        Assert.Equal("jenkins:stages:webapp:12:SUCCESS", job.Id);
        Assert.Equal("jenkins.stages", job.Dataset);
        Assert.Equal(new CiContext("webapp", "webapp", "12", 1, JenkinsStagesFormat.JobName, Platform: "jenkins"), job.Ci);
        Assert.Equal((Outcome.Success, true), (job.Outcome, job.Completed));
        Assert.Equal(Utc("2023-11-14T22:13:20Z"), job.Start);
        Assert.Equal(Utc("2023-11-14T22:14:43.412Z"), job.End);
        Assert.Equal(Utc("2023-11-14T22:14:43.412Z"), job.Timestamp);
        Assert.Equal(TimeSpan.FromMilliseconds(83412), job.Duration);
        Assert.Null(job.UserName);
        Assert.Equal(
            [
                new StepRecord("Checkout", 1, Outcome.Success, TimeSpan.FromMilliseconds(2100)),
                new StepRecord("Build", 2, Outcome.Success, TimeSpan.FromMilliseconds(41250)),
                new StepRecord("Test", 3, Outcome.Success, TimeSpan.FromMilliseconds(30230)),
                new StepRecord("Deploy", 4, Outcome.Success, TimeSpan.FromMilliseconds(7800)),
            ],
            job.Steps);
    }

    [Fact]
    public async Task Failed_stage_fails_the_job_and_stages_not_executed_are_skipped()
    {
        var (events, problems) = await ReadAsync(Fixture("Jenkins", "stages-failed.json"));

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal("jenkins:stages:platform/deploy-api:57:FAILED", job.Id);

        // The context path "/jenkins" before the first /job/ is not part of the name.
        Assert.Equal(new CiContext("platform/deploy-api", "platform/deploy-api", "57", 1, "stages", Platform: "jenkins"), job.Ci);
        Assert.Equal((Outcome.Failure, true), (job.Outcome, job.Completed));
        Assert.Equal(TimeSpan.FromMilliseconds(245000), job.Duration);
        Assert.Equal(Utc("2023-11-14T23:17:25Z"), job.Timestamp);
        Assert.Equal(
            [
                new StepRecord("Checkout", 1, Outcome.Success, TimeSpan.FromMilliseconds(3100)),
                new StepRecord("Build", 2, Outcome.Success, TimeSpan.FromMilliseconds(98000)),
                new StepRecord("Integration tests", 3, Outcome.Failure, TimeSpan.FromMilliseconds(140500)),
                new StepRecord("Deploy", 4, Outcome.Skipped, null),
            ],
            job.Steps);
    }

    [Fact]
    public async Task Build_in_progress_is_not_completed_and_its_running_stage_has_no_duration()
    {
        var (events, problems) = await ReadAsync(Fixture("Jenkins", "stages-in-progress.json"));

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal("jenkins:stages:webapp:13:IN_PROGRESS", job.Id);
        Assert.Equal((Outcome.Unknown, false), (job.Outcome, job.Completed));
        Assert.Null(job.Duration);
        Assert.Null(job.End);
        Assert.Equal(Utc("2023-11-15T03:46:40Z"), job.Timestamp);
        Assert.Equal(
            [
                new StepRecord("Checkout", 1, Outcome.Success, TimeSpan.FromSeconds(2)),
                new StepRecord("Build", 2, Outcome.Unknown, null),
            ],
            job.Steps);
    }

    [Theory]
    [InlineData("SUCCESS", Outcome.Success)]
    [InlineData("FAILED", Outcome.Failure)]
    [InlineData("UNSTABLE", Outcome.Failure)]
    [InlineData("ABORTED", Outcome.Cancelled)]
    [InlineData("NOT_EXECUTED", Outcome.Skipped)]
    [InlineData("IN_PROGRESS", Outcome.Unknown)]
    [InlineData("PAUSED_PENDING_INPUT", Outcome.Unknown)]
    public void Stage_view_statuses_map_to_outcomes(string status, Outcome expected) => Assert.Equal(expected, OutcomeNames.Parse(status));
}
