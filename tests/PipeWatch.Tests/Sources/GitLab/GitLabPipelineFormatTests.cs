using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitLab;

public sealed class GitLabPipelineFormatTests
{
    private const string Sha = "bcbb5ec396a2c0f828686f14fac9b80b780504f2";

    [Fact]
    public async Task Pipeline_hook_yields_one_run_and_one_job_per_build()
    {
        var (events, problems) = await ReadAsync(Corpus.File("gitlab-webhooks", "pipeline.json"));

        Assert.Empty(problems);
        Assert.Equal(6, events.Count);
        Assert.Equal(EventKind.PipelineRun, events[0].Kind);
        Assert.All(events.Skip(1), e => Assert.Equal(EventKind.PipelineJob, e.Kind));
        Assert.Equal(
            ["gitlab:pipeline:31:success", "gitlab:job:380:skipped", "gitlab:job:377:success", "gitlab:job:378:success", "gitlab:job:376:success", "gitlab:job:379:created"],
            events.Select(e => e.Id));
    }

    [Fact]
    public async Task Pipeline_run_event_carries_the_normalized_fields()
    {
        var (events, _) = await ReadAsync(Corpus.File("gitlab-webhooks", "pipeline.json"));
        var run = events[0];

        Assert.Equal(new CiContext("gitlab-org/gitlab-test", "pipeline", "31", 1, null, "master", Sha, "gitlab"), run.Ci);
        Assert.Equal("gitlab.pipeline", run.Dataset);
        Assert.Equal("success", run.Action);
        Assert.Equal(Outcome.Success, run.Outcome);
        Assert.True(run.Completed);
        Assert.Equal(Utc("2016-08-12T15:23:28Z"), run.Start);
        Assert.Equal(Utc("2016-08-12T15:26:29Z"), run.End);
        Assert.Equal(Utc("2016-08-12T15:26:29Z"), run.Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(63), run.Duration);
        Assert.Equal("user1", run.UserName);
        Assert.Null(run.Url);
        Assert.Empty(run.Steps);
    }

    [Fact]
    public async Task Builds_share_the_run_context_and_keep_their_own_times()
    {
        var (events, _) = await ReadAsync(Corpus.File("gitlab-webhooks", "pipeline.json"));
        var jobs = events.Skip(1).ToDictionary(e => e.Ci.Job!);

        Assert.All(jobs.Values, e => Assert.Equal(new CiContext("gitlab-org/gitlab-test", "pipeline", "31", 1, e.Ci.Job, "master", Sha, "gitlab"), e.Ci));
        Assert.All(jobs.Values, e => Assert.Equal("user1", e.UserName));
        Assert.All(jobs.Values, e => Assert.Empty(e.Steps));

        var built = jobs["build-image"];
        Assert.Equal((Outcome.Success, true), (built.Outcome, built.Completed));
        Assert.Equal(Utc("2016-08-12T15:24:56Z"), built.Start);
        Assert.Equal(Utc("2016-08-12T15:25:26Z"), built.End);
        Assert.Equal(Utc("2016-08-12T15:25:26Z"), built.Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(17), built.Duration);

        // finished_at is null: the timestamp falls back to the start, the duration to the reported one.
        var image = jobs["test-image"];
        Assert.Equal(Utc("2016-08-12T15:26:12Z"), image.Timestamp);
        Assert.Null(image.End);
        Assert.Equal(TimeSpan.FromSeconds(17), image.Duration);

        // Skipped, never started: no duration even though the payload reports one.
        var production = jobs["production"];
        Assert.Equal((Outcome.Skipped, true), (production.Outcome, production.Completed));
        Assert.Null(production.Start);
        Assert.Null(production.Duration);
        Assert.Equal(Utc("2016-08-12T15:23:28Z"), production.Timestamp);

        var staging = jobs["staging"];
        Assert.Equal((Outcome.Unknown, false), (staging.Outcome, staging.Completed));
        Assert.Null(staging.Duration);
        Assert.Equal(Utc("2016-08-12T15:23:28Z"), staging.Timestamp);
    }

    [Fact]
    public async Task Finished_before_started_yields_no_duration_and_no_crash()
    {
        var (events, problems) = await ReadAsync(Fixture("GitLab", "pipeline-finished-before-started.json"));

        Assert.Empty(problems);
        Assert.Equal(3, events.Count);

        var run = events[0];
        Assert.Equal(new CiContext("acme/tools", "nightly", "9001", 1, null, "main", "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00", "gitlab"), run.Ci);
        Assert.Equal((Outcome.Failure, true), (run.Outcome, run.Completed));
        Assert.Null(run.Duration);
        Assert.Equal(Utc("2024-03-01T09:59:00Z"), run.Timestamp);
        Assert.Equal("https://gitlab.example.com/acme/tools/-/pipelines/9001", run.Url);

        // An allowed failure is still a failure; its contradictory timestamps void the reported 30 s.
        var unit = events[1];
        Assert.Equal(("gitlab:job:9100:failed", "unit", "nightly"), (unit.Id, unit.Ci.Job, unit.Ci.Pipeline));
        Assert.Equal(Outcome.Failure, unit.Outcome);
        Assert.Null(unit.Duration);

        var lint = events[2];
        Assert.Equal(TimeSpan.FromSeconds(12.5), lint.Duration);
        Assert.Equal(Utc("2024-03-01T10:00:00Z"), lint.Timestamp);
        Assert.Equal("scheduler", lint.UserName);
    }

    [Fact]
    public async Task Unknown_object_kind_is_reported_as_a_problem_naming_the_file()
    {
        var path = Corpus.File("gitlab-webhooks", "tag_push.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.File);
        Assert.Contains("GitLab 'tag_push' event", problem.Reason, StringComparison.Ordinal);
    }
}
