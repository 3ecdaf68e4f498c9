using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitHub;

public sealed class GitHubWorkflowRunFormatTests
{
    private const string Sha = "3484a3fb816e0859fd6e1cea078d76385ff50625";

    [Fact]
    public async Task Completed_run_yields_one_run_event_with_the_normalized_fields()
    {
        var path = Corpus.File("github-webhooks", "workflow_run", "completed.payload.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        var run = Assert.Single(events);
        Assert.Equal(EventKind.PipelineRun, run.Kind);
        Assert.Equal("github:run:289782451:1:completed", run.Id);
        Assert.Equal("github.workflow_run", run.Dataset);
        Assert.Equal("completed", run.Action);
        // The run's name is empty in this payload: the workflow file path names the pipeline.
        Assert.Equal(new CiContext("octo-org/octo-repo", ".github/workflows/test.yml", "289782451", 1, null, "master", Sha, "github"), run.Ci);
        Assert.Equal((Outcome.Success, true), (run.Outcome, run.Completed));
        Assert.Equal("Codertocat", run.UserName);
        Assert.Equal(Utc("2020-10-05T16:33:49Z"), run.Start);
        Assert.Equal(Utc("2020-10-05T16:33:49Z"), run.End);
        Assert.Equal(Utc("2020-10-05T16:33:49Z"), run.Timestamp);
        Assert.Equal(TimeSpan.Zero, run.Duration);
        Assert.Equal("https://github.com/octo-org/octo-repo/actions/runs/289782451", run.Url);
        Assert.Empty(run.Steps);
        Assert.Equal(new Origin(path), run.Origin);
    }

    [Fact]
    public async Task Requested_run_is_queued_not_completed()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "workflow_run", "requested.payload.json"));

        Assert.Empty(problems);
        var run = Assert.Single(events);
        Assert.Equal("github:run:289782451:1:queued", run.Id);
        Assert.Equal("requested", run.Action);
        Assert.Equal((Outcome.Unknown, false), (run.Outcome, run.Completed));
        Assert.Equal(Utc("2020-10-05T16:33:49Z"), run.Timestamp);
        Assert.Null(run.End);
        Assert.Null(run.Duration);
    }
}
