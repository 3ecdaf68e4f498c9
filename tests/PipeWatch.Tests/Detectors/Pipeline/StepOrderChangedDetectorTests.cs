using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Pipeline;

public sealed class StepOrderChangedDetectorTests : IDisposable
{
    private readonly HistoryRun _run = new();

    [Fact]
    public async Task Step_inserted_between_known_steps_is_reported_high()
    {
        var result = await _run.IngestAsync(30, h => h.Write(WorkflowHistory.Normal(31).Inserting("Dump env", after: "Install Ruby", TimeSpan.FromSeconds(3))));

        var finding = Assert.Single(result.Findings);
        Assert.Equal(("pipeline.step-order-changed", Categories.StepOrderChanged, Severity.High), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal(("linters", "Dump env"), (finding.Entity.Job, finding.Entity.Step));
        Assert.Equal(Path.Combine(_run.Folder, "history", "run-031-a-job.json"), finding.Location.File);
        Assert.Equal("Steps of job 'linters' changed: 1 added", finding.Title);
        Assert.EndsWith("ran 9 steps against a sequence of 8 learned over 30 runs: 'Dump env' added between 'Install Ruby' and 'Run Rubocop'.", finding.Explanation);
    }

    [Fact]
    public async Task Removed_step_is_named_and_medium()
    {
        var result = await _run.IngestAsync(30, h => h.Write(WorkflowHistory.Normal(31).Without("Run Bundle Audit")));

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.Medium, finding.Severity);
        Assert.EndsWith(": 'Run Bundle Audit' removed.", finding.Explanation);
    }

    [Fact]
    public async Task Reordered_step_is_reported_as_moved()
    {
        var result = await _run.IngestAsync(30, h => h.Write(WorkflowHistory.Normal(31).Moving("Run Bundle Audit", before: "Run Rubocop")));

        var finding = Assert.Single(result.Findings);
        Assert.Equal("Steps of job 'linters' changed: 1 moved", finding.Title);
        Assert.Contains("'Run Bundle Audit' moved between 'Install Ruby' and 'Run Rubocop'", finding.Explanation);
    }

    [Fact]
    public async Task A_new_sequence_is_reported_once_and_becomes_the_norm()
    {
        var result = await _run.IngestAsync(30, h =>
        {
            for (var n = 31; n <= 40; n++)
            {
                h.Write(WorkflowHistory.Normal(n).Inserting("Cache gems", after: "Install Ruby", TimeSpan.FromSeconds(5)));
            }
        });

        Assert.Equal(WorkflowHistory.RunId(31).ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(result.Findings).Location.RunId);
    }

    [Fact]
    public async Task A_variant_seen_while_learning_is_quiet_later()
    {
        var result = await _run.IngestAsync(0, h =>
        {
            h.Write(WorkflowHistory.Normal(1).Without("Run Brakeman"));
            for (var n = 2; n <= 30; n++)
            {
                h.Write(WorkflowHistory.Normal(n));
            }

            h.Write(WorkflowHistory.Normal(31).Without("Run Brakeman"));
        });

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Before_the_minimum_samples_a_change_is_not_reported()
    {
        var result = await _run.IngestAsync(9, h => h.Write(WorkflowHistory.Normal(10).Inserting("Dump env", after: "Install Ruby", TimeSpan.FromSeconds(3))));

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
