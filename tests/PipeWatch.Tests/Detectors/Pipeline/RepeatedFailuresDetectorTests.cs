using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Pipeline;

public sealed class RepeatedFailuresDetectorTests : IDisposable
{
    private readonly HistoryRun _run = new();

    [Fact]
    public async Task Third_failed_run_in_a_row_is_reported_once_for_the_streak()
    {
        var result = await _run.IngestAsync(5, h =>
        {
            for (var n = 6; n <= 9; n++)
            {
                h.Write(WorkflowHistory.Normal(n).Failing("Run Rubocop"));
            }
        });

        var finding = Assert.Single(HistoryRun.Of(result, Categories.RepeatedFailures));
        Assert.Equal(("pipeline.repeated-failures", Severity.Medium), (finding.Rule, finding.Severity));
        Assert.Equal(new Entity(WorkflowHistory.Repository, WorkflowHistory.Workflow, Actor: "Codertocat"), finding.Entity);
        Assert.Equal(Path.Combine(_run.Folder, "history", "run-008-b-run.json"), finding.Location.File);
        Assert.Equal($"Runs of 'CI' failed 3 times in a row, from run {WorkflowHistory.RunId(6)} to run {WorkflowHistory.RunId(8)}, after 5 successful runs (threshold 3 in a row).", finding.Explanation);
    }

    [Fact]
    public async Task From_workflow_job_events_alone_a_job_failing_runs_in_a_row_after_passing_is_reported()
    {
        // A team subscribed to workflow_job only: the corpus's job payloads, one per run, and no workflow_run payload at all.
        var result = await _run.IngestAsync(5, h =>
        {
            for (var n = 6; n <= 9; n++)
            {
                h.Write(WorkflowHistory.Normal(n).Failing("Run Rubocop"));
            }

            foreach (var run in Directory.GetFiles(Path.Combine(_run.Folder, "history"), "*-b-run.json")) File.Delete(run);
        });

        var finding = Assert.Single(HistoryRun.Of(result, Categories.RepeatedFailures));
        Assert.Equal($"Job '{WorkflowHistory.Job}' of 'CI' failed 3 runs in a row", finding.Title);
        Assert.Equal(Path.Combine(_run.Folder, "history", "run-008-a-job.json"), finding.Location.File);
        Assert.StartsWith($"Job 'linters' of 'CI' failed in 3 runs in a row, from run {WorkflowHistory.RunId(6)} to run {WorkflowHistory.RunId(8)}, after passing in 5 runs", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_run_events_too_a_streak_is_reported_once_from_the_runs()
    {
        var result = await _run.IngestAsync(5, h =>
        {
            for (var n = 6; n <= 9; n++)
            {
                h.Write(WorkflowHistory.Normal(n).Failing("Run Rubocop"));
            }
        });

        Assert.Equal(["'CI' failed 3 runs in a row"], HistoryRun.Of(result, Categories.RepeatedFailures).Select(f => f.Title));
    }

    [Fact]
    public async Task A_rerun_of_a_failed_run_counts_once()
    {
        var result = await _run.IngestAsync(5, h =>
        {
            h.Write(WorkflowHistory.Normal(6).Failing("Run Rubocop"));
            h.Write(WorkflowHistory.Normal(7).Failing("Run Rubocop") with { RerunOf = 6 });
            h.Write(WorkflowHistory.Normal(8).Failing("Run Rubocop"));
        });

        Assert.Empty(HistoryRun.Of(result, Categories.RepeatedFailures));
    }

    [Fact]
    public async Task A_workflow_that_never_passed_is_not_reported()
    {
        var result = await _run.IngestAsync(0, h =>
        {
            for (var n = 1; n <= 4; n++)
            {
                h.Write(WorkflowHistory.Normal(n).Failing("Run Rubocop"));
            }
        });

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Streak_length_is_configurable()
    {
        var result = await _run.IngestAsync(
            5,
            h =>
            {
                h.Write(WorkflowHistory.Normal(6).Failing("Run Rubocop"));
                h.Write(WorkflowHistory.Normal(7).Failing("Run Rubocop"));
            },
            "detectors:\n  pipeline.repeated-failures:\n    streak: 2\n");

        Assert.Contains("failed 2 times in a row", Assert.Single(HistoryRun.Of(result, Categories.RepeatedFailures)).Explanation);
    }

    [Fact]
    public async Task Normal_history_raises_nothing()
    {
        var result = await _run.IngestAsync(40, _ => { });

        Assert.Empty(result.Findings);
    }

    public void Dispose() => _run.Dispose();
}
