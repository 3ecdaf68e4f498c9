using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Pipeline;

public sealed class UnexpectedFailureDetectorTests : IDisposable
{
    private readonly HistoryRun _run = new();

    [Fact]
    public async Task Failure_of_a_step_that_always_passed_is_reported_for_the_step_not_the_job()
    {
        var result = await _run.IngestAsync(20, h => h.Write(WorkflowHistory.Normal(21).Failing("Install Ruby")));

        var finding = Assert.Single(HistoryRun.Of(result, Categories.UnexpectedFailure));
        Assert.Equal(("pipeline.unexpected-failure", Severity.Medium), (finding.Rule, finding.Severity));
        Assert.Equal(("linters", "Install Ruby"), (finding.Entity.Job, finding.Entity.Step));
        Assert.Equal(Path.Combine(_run.Folder, "history", "run-021-a-job.json"), finding.Location.File);
        Assert.Equal($"Step 'Install Ruby' of job 'linters' failed in run {WorkflowHistory.RunId(21)}; it passed 20 of its last 20 runs (failure rate 0%, at most 5% counts as nearly always passing).", finding.Explanation);
    }

    [Fact]
    public async Task A_streak_of_failures_of_one_step_is_one_finding_and_a_new_streak_is_another()
    {
        // 60 passes first, so that two failures in the 64-run window (3%) still count as "nearly always passes".
        var result = await _run.IngestAsync(60, h =>
        {
            h.Write(WorkflowHistory.Normal(61).Failing("Install Ruby"));
            h.Write(WorkflowHistory.Normal(62).Failing("Install Ruby"));
            h.Write(WorkflowHistory.Normal(63));
            h.Write(WorkflowHistory.Normal(64).Failing("Install Ruby"));
        });

        Assert.Equal(
            [WorkflowHistory.RunId(61), WorkflowHistory.RunId(64)],
            HistoryRun.Of(result, Categories.UnexpectedFailure).Select(f => long.Parse(f.Location.RunId!, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Without_step_data_the_job_failure_is_reported()
    {
        var result = await _run.IngestAsync(0, h =>
        {
            for (var n = 1; n <= 20; n++)
            {
                h.Write(new RunSpec([]));
            }

            h.Write(new RunSpec([]) { ConclusionOverride = "failure" });
        });

        var finding = Assert.Single(HistoryRun.Of(result, Categories.UnexpectedFailure));
        Assert.Null(finding.Entity.Step);
        Assert.StartsWith($"Job 'linters' failed in run {WorkflowHistory.RunId(21)}; it passed 20 of its last 20 runs", finding.Explanation);
    }

    [Fact]
    public async Task A_first_run_that_fails_is_not_an_alarm()
    {
        var result = await _run.IngestAsync(0, h => h.Write(WorkflowHistory.Normal(1).Failing("Install Ruby")));

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Normal_history_raises_nothing()
    {
        var result = await _run.IngestAsync(40, _ => { });

        Assert.Empty(result.Findings);
    }

    public void Dispose() => _run.Dispose();
}
