using PipeWatch.Events;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.Jenkins;

public sealed class JenkinsBuildFormatTests
{
    [Fact]
    public async Task Finished_build_yields_one_run_event_with_the_normalized_fields()
    {
        var (events, problems) = await ReadAsync(Fixture("Jenkins", "build-success.json"));

        Assert.Empty(problems);
        var run = Assert.Single(events);
        Assert.Equal(EventKind.PipelineRun, run.Kind);
        Assert.Equal("jenkins:build:webapp:12:SUCCESS", run.Id);
        Assert.Equal("jenkins.build", run.Dataset);
        Assert.Equal(new CiContext("acme/webapp", "webapp", "12", 1, null, "main", "5f1c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c", "jenkins"), run.Ci);
        Assert.Equal((Outcome.Success, true), (run.Outcome, run.Completed));
        Assert.Equal(Utc("2023-11-14T22:13:20Z"), run.Start);
        Assert.Equal(Utc("2023-11-14T22:14:43.412Z"), run.End);
        Assert.Equal(Utc("2023-11-14T22:14:43.412Z"), run.Timestamp);
        Assert.Equal(TimeSpan.FromMilliseconds(83412), run.Duration);
        Assert.Equal("jdoe", run.UserName);
        Assert.Equal("http://jenkins.example.com/job/webapp/12/", run.Url);
        Assert.Empty(run.Steps);
    }

    [Fact]
    public async Task Folder_job_is_named_from_its_url_and_the_first_checkout_gives_the_repository()
    {
        var (events, problems) = await ReadAsync(Fixture("Jenkins", "build-failure-folder-job.json"));

        Assert.Empty(problems);
        var run = Assert.Single(events);
        Assert.Equal("jenkins:build:platform/deploy-api:57:FAILURE", run.Id);

        // The second BuildData is the shared library's checkout; the SCM cause has no user, the next cause does.
        Assert.Equal(new CiContext("acme/deploy-api", "platform/deploy-api", "57", 1, null, "release/2.x", "a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6", "jenkins"), run.Ci);
        Assert.Equal((Outcome.Failure, true), (run.Outcome, run.Completed));
        Assert.Equal(TimeSpan.FromMilliseconds(245000), run.Duration);
        Assert.Equal(Utc("2023-11-14T23:17:25Z"), run.Timestamp);
        Assert.Equal("ops-bot", run.UserName);
    }

    [Fact]
    public async Task Build_in_progress_is_not_completed_and_falls_back_to_the_display_name()
    {
        var (events, problems) = await ReadAsync(Fixture("Jenkins", "build-freestyle-in-progress.json"));

        Assert.Empty(problems);
        var run = Assert.Single(events);
        Assert.Equal("jenkins:build:nightly-backup:301:BUILDING", run.Id);
        Assert.Equal(new CiContext("nightly-backup", "nightly-backup", "301", Platform: "jenkins"), run.Ci);
        Assert.Equal((Outcome.Unknown, false), (run.Outcome, run.Completed));
        Assert.Null(run.Duration);
        Assert.Null(run.End);
        Assert.Equal(Utc("2023-11-15T01:00:00Z"), run.Timestamp);
        Assert.Null(run.UserName);
        Assert.Null(run.Url);
    }
}
