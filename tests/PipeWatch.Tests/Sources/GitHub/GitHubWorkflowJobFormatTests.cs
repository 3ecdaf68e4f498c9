using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitHub;

public sealed class GitHubWorkflowJobFormatTests
{
    private const string Sha = "3484a3fb816e0859fd6e1cea078d76385ff50625";

    [Fact]
    public async Task Completed_job_yields_one_job_event_with_the_normalized_fields()
    {
        var path = Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal(EventKind.PipelineJob, job.Kind);
        Assert.Equal("github:job:289782451:1:completed", job.Id);
        Assert.Equal("github.workflow_job", job.Dataset);
        Assert.Equal("completed", job.Action);
        // The webhook's repository wins over the one in run_url (octo-org/octo-repo).
        Assert.Equal(new CiContext("Codertocat/Hello-World", "CodeQL", "2202229078", 1, "linters", "main", Sha, "github"), job.Ci);
        Assert.Equal((Outcome.Success, true), (job.Outcome, job.Completed));
        Assert.Equal("Codertocat", job.UserName);
        Assert.Equal(Utc("2021-08-05T10:34:58Z"), job.Start);
        Assert.Equal(Utc("2021-08-05T10:38:16Z"), job.End);
        Assert.Equal(Utc("2021-08-05T10:38:16Z"), job.Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(198), job.Duration);
        Assert.Equal("https://github.com/octo-org/octo-repo/runs/1291536064", job.Url);
        Assert.Equal(new Origin(path), job.Origin);
    }

    [Fact]
    public async Task Steps_are_in_number_order_with_their_gaps_and_durations()
    {
        var (events, _) = await ReadAsync(Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json"));

        Assert.Equal(
            [
                new StepRecord("Set up job", 1, Outcome.Success, TimeSpan.FromSeconds(3)),
                new StepRecord("Checkout Repo", 2, Outcome.Success, TimeSpan.Zero),
                new StepRecord("Install Ruby", 3, Outcome.Success, TimeSpan.FromSeconds(4)),
                new StepRecord("Run Rubocop", 4, Outcome.Success, TimeSpan.FromSeconds(6)),
                new StepRecord("Run Brakeman", 5, Outcome.Success, TimeSpan.FromSeconds(4)),
                new StepRecord("Run Bundle Audit", 6, Outcome.Success, TimeSpan.FromSeconds(1)),
                new StepRecord("Post Checkout Repo", 12, Outcome.Success, TimeSpan.Zero),
                new StepRecord("Complete job", 13, Outcome.Success, TimeSpan.Zero),
            ],
            events[0].Steps);
    }

    [Fact]
    public async Task Failed_job_has_the_failed_step_and_skipped_steps_without_duration()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json"));

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal((Outcome.Failure, true), (job.Outcome, job.Completed));
        Assert.Equal(12, job.Steps.Count);
        Assert.Equal(new StepRecord("Run yarn run format-check", 8, Outcome.Failure, TimeSpan.FromSeconds(1)), job.Steps[7]);
        Assert.Equal(new StepRecord("Post Run actions/cache@v2", 14, Outcome.Skipped, null), job.Steps[8]);
        Assert.Equal(new StepRecord("Post Run actions/setup-node@v2", 15, Outcome.Skipped, null), job.Steps[9]);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17], job.Steps.Select(s => s.Number));
    }

    [Fact]
    public async Task Job_in_progress_is_not_completed_and_has_no_outcome_or_duration()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "workflow_job", "in_progress.payload.json"));

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal("github:job:289782451:1:in_progress", job.Id);
        Assert.Equal("in_progress", job.Action);
        Assert.False(job.Completed);
        Assert.Equal(Outcome.Unknown, job.Outcome);
        Assert.Null(job.Duration);
        Assert.Null(job.End);
        Assert.Equal(Utc("2021-09-13T02:21:13Z"), job.Start);
        Assert.Equal(Utc("2021-09-13T02:21:13Z"), job.Timestamp);
        Assert.Equal(new CiContext("Codertocat/Hello-World", "CodeQL", "2202229078", 1, "Analyze (javascript)", "main", Sha, "github"), job.Ci);
        Assert.Equal([new StepRecord("Set up job", 1, Outcome.Unknown, null)], job.Steps);
    }
}
