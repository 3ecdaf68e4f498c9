using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitLab;

public sealed class GitLabJobFormatTests
{
    [Fact]
    public async Task Job_hook_yields_one_job_event_with_the_normalized_fields()
    {
        var (events, problems) = await ReadAsync(Corpus.File("gitlab-webhooks", "job.json"));

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal(EventKind.PipelineJob, job.Kind);
        Assert.Equal("gitlab:job:3580121225:success", job.Id);
        Assert.Equal("gitlab.job", job.Dataset);
        Assert.Equal(
            new CiContext("jsmithy2/release-tools-fake", "pipeline", "743121198", 1, "auto_deploy:start", "main", "95d49d1efbd941908580e79d65e4b5ecaf4a8305", "gitlab"),
            job.Ci);
        Assert.Equal((Outcome.Success, true), (job.Outcome, job.Completed));
        Assert.Equal(Utc("2023-01-10T13:50:05Z"), job.Start);
        Assert.Equal(Utc("2023-01-10T13:50:54Z"), job.End);
        Assert.Equal(Utc("2023-01-10T13:50:54Z"), job.Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(49.503592), job.Duration);
        Assert.Equal("jsmithy2", job.UserName);
        Assert.Empty(job.Steps);
    }

    [Fact]
    public async Task Job_not_yet_started_is_not_completed_and_has_no_duration()
    {
        var (events, problems) = await ReadAsync(Corpus.File("gitlab-webhooks", "build.json"));

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal("gitlab:job:1977:created", job.Id);
        Assert.Equal(
            new CiContext("gitlab-org/gitlab-test", "pipeline", "2366", 1, "test", "gitlab-script-trigger", "2293ada6b400935a1378653304eaf6221e0fdb8f", "gitlab"),
            job.Ci);
        Assert.Equal((Outcome.Unknown, false), (job.Outcome, job.Completed));
        Assert.Null(job.Start);
        Assert.Null(job.Duration);
        Assert.Equal(Utc("2021-02-23T02:41:37.886Z"), job.Timestamp);
        Assert.Equal("user1", job.UserName);
    }

    [Fact]
    public async Task Job_hook_and_pipeline_hook_share_the_pipeline_key_of_a_project()
    {
        var (jobHook, _) = await ReadAsync(Corpus.File("gitlab-webhooks", "build.json"));
        var (pipelineHook, _) = await ReadAsync(Corpus.File("gitlab-webhooks", "pipeline.json"));

        Assert.Equal((pipelineHook[0].Ci.Repository, pipelineHook[0].Ci.Pipeline), (jobHook[0].Ci.Repository, jobHook[0].Ci.Pipeline));
    }

    [Fact]
    public async Task Job_hook_without_a_build_id_is_rejected_with_the_reason()
    {
        var path = Fixture("GitLab", "job-without-build-id.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.File);
        Assert.Equal("gitlab-job: no numeric 'build_id'", problem.Reason);
    }
}
