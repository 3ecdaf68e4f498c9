using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Pipeline;

public sealed class LongDurationDetectorTests : IDisposable
{
    private readonly HistoryRun _run = new();

    [Fact]
    public async Task Step_five_times_its_median_is_reported_at_its_run_with_the_numbers()
    {
        var result = await _run.IngestAsync(30, h => h.Write(WorkflowHistory.Normal(31).WithStep("Run Brakeman", s => s with { Duration = TimeSpan.FromSeconds(220) })));

        var finding = Assert.Single(result.Findings);
        Assert.Equal(("pipeline.long-duration", Categories.LongDuration, Severity.Medium), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal(new Entity(WorkflowHistory.Repository, WorkflowHistory.Workflow, WorkflowHistory.Job, "Run Brakeman", "Codertocat"), finding.Entity);
        Assert.Equal(WorkflowHistory.RunId(31).ToString(System.Globalization.CultureInfo.InvariantCulture), finding.Location.RunId);
        Assert.Equal(Path.Combine(_run.Folder, "history", "run-031-a-job.json"), finding.Location.File);
        // Run Brakeman (5th step) lasts 40 + ((7n + 12) mod 9) s in normal runs: its median over runs 1–30 is 44 s.
        Assert.StartsWith("Step 'Run Brakeman' of job 'linters' took 3m 40s; its baseline is a median of 44s with a spread (1.4826×MAD) of ", finding.Explanation);
        Assert.Contains(" over 30 runs: 5.0× the median", finding.Explanation);
        Assert.Equal("220", finding.Evidence.Single(e => e.Name == "observed_seconds").Value);
        Assert.Equal("44", finding.Evidence.Single(e => e.Name == "median_seconds").Value);
    }

    [Fact]
    public async Task Normal_history_raises_nothing()
    {
        var result = await _run.IngestAsync(40, _ => { });

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Before_the_minimum_samples_it_only_learns()
    {
        var result = await _run.IngestAsync(9, h => h.Write(WorkflowHistory.Normal(10).WithStep("Run Brakeman", s => s with { Duration = s.Duration * 6 })));

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Minimum_samples_is_configurable()
    {
        var result = await _run.IngestAsync(
            5,
            h => h.Write(WorkflowHistory.Normal(6).WithStep("Run Brakeman", s => s with { Duration = s.Duration * 6 })),
            "detectors:\n  pipeline.long-duration:\n    min-samples: 5\n");

        Assert.Equal("Run Brakeman", Assert.Single(result.Findings).Entity.Step);
    }

    [Fact]
    public async Task An_increase_below_the_absolute_floor_is_not_reported()
    {
        // 44 s → 70 s is 1.6× and many spreads, but only 26 s more than the median: under the 30 s floor.
        var result = await _run.IngestAsync(30, h => h.Write(WorkflowHistory.Normal(31).WithStep("Run Brakeman", s => s with { Duration = TimeSpan.FromSeconds(70) })));

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_slow_job_in_a_slow_run_is_one_finding_per_run()
    {
        // Every step five times longer: the job, each step and the workflow run are all above their baselines.
        var result = await _run.IngestAsync(30, h => h.Write(new RunSpec([.. WorkflowHistory.Normal(31).Steps.Select(s => s with { Duration = s.Duration * 5 })])));

        var finding = Assert.Single(result.Findings);
        Assert.Contains("Also above baseline: ", finding.Explanation);
        Assert.Contains("job 'linters'", finding.Explanation);
    }

    public void Dispose() => _run.Dispose();
}
