using Microsoft.Data.Sqlite;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Engine;

/// <summary>
/// The acceptance scenario of the core: 30 normal runs of a real-shaped GitHub workflow, then a 5x slower run, a run
/// with a step inserted, a failure of a step that always passed, and three failed runs in a row.
/// </summary>
public sealed class PipelineExecutionScenarioTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Corpus_payloads_alone_raise_nothing()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [Corpus.File("github-webhooks", "workflow_job"), Corpus.File("github-webhooks", "workflow_run"), Corpus.File("gitlab-webhooks", "pipeline.json"), Corpus.File("gitlab-webhooks", "job.json")]);

        Assert.True(result.Summary.Events > 10);
        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task Thirty_normal_runs_raise_nothing()
    {
        var history = WriteNormalHistory(30);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history]);

        Assert.Equal(60, result.Summary.NewEvents);
        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task Each_planted_anomaly_is_reported_once_with_its_numbers()
    {
        var history = WriteNormalHistory(30);
        var runs = new WorkflowHistory(history, skip: 30);
        runs.Write(WorkflowHistory.Normal(31).WithStep("Run Rubocop", s => s with { Duration = s.Duration * 5 }));  // run 31
        runs.Write(WorkflowHistory.Normal(32).Inserting("Upload cache", after: "Run Brakeman", TimeSpan.FromSeconds(40)));  // 32
        runs.Write(WorkflowHistory.Normal(33).Failing("Run Brakeman"));  // 33
        runs.Write(WorkflowHistory.Normal(34).Failing("Run Brakeman"));  // 34
        runs.Write(WorkflowHistory.Normal(35).Failing("Run Brakeman"));  // 35

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history]);

        Assert.Empty(result.Problems);
        Assert.Equal(
            [Categories.LongDuration, Categories.StepOrderChanged, Categories.UnexpectedFailure, Categories.RepeatedFailures],
            result.Findings.Select(f => f.Category));

        var slow = result.Findings[0];
        Assert.Equal(Run(31), slow.Location.RunId);
        Assert.Equal("Run Rubocop", slow.Entity.Step);
        Assert.Equal(WorkflowHistory.Job, slow.Entity.Job);
        Assert.StartsWith("Step 'Run Rubocop' of job 'linters' took 3m ", slow.Explanation);
        Assert.Contains("over 30 runs", slow.Explanation);
        Assert.Contains("× the median", slow.Explanation);

        var inserted = result.Findings[1];
        Assert.Equal(Run(32), inserted.Location.RunId);
        Assert.Equal("Upload cache", inserted.Entity.Step);
        Assert.Contains("'Upload cache' added between 'Run Brakeman' and 'Run Bundle Audit'", inserted.Explanation);
        Assert.Equal(Severity.High, inserted.Severity);

        var failed = result.Findings[2];
        Assert.Equal(Run(33), failed.Location.RunId);
        Assert.Equal("Run Brakeman", failed.Entity.Step);
        Assert.Contains("passed 32 of its last 32 runs", failed.Explanation);

        var streak = result.Findings[3];
        Assert.Equal(Run(35), streak.Location.RunId);
        Assert.Contains($"from run {Run(33)} to run {Run(35)}", streak.Explanation);
        Assert.Contains("after 32 successful runs", streak.Explanation);
    }

    [Fact]
    public async Task Ingesting_the_same_files_again_raises_nothing_and_leaves_baselines_as_they_were()
    {
        var history = WriteNormalHistory(30);
        new WorkflowHistory(history, skip: 30).Write(WorkflowHistory.Normal(31).WithStep("Run Rubocop", s => s with { Duration = s.Duration * 5 }));
        var store = _temp.File("store.db");
        var first = await Ingest.RunAsync(store, [history]);
        var baselines = ReadBaselines(store);

        var second = await Ingest.RunAsync(store, [history]);

        Assert.Single(first.Findings);
        Assert.Empty(second.Findings);
        Assert.Equal(first.Summary.Events, second.Summary.Duplicates);
        Assert.Equal(0, second.Summary.NewEvents);
        Assert.Equal(baselines, ReadBaselines(store));
    }

    [Fact]
    public async Task The_same_payload_under_another_file_name_is_not_counted_twice()
    {
        var history = WriteNormalHistory(12);
        var store = _temp.File("store.db");
        await Ingest.RunAsync(store, [history]);
        var copy = Directory.CreateDirectory(_temp.File("copy")).FullName;
        File.Copy(Path.Combine(history, "run-012-a-job.json"), Path.Combine(copy, "renamed.json"));

        var again = await Ingest.RunAsync(store, [copy]);

        Assert.Equal(1, again.Summary.Duplicates);
        Assert.Equal(0, again.Summary.NewEvents);
    }

    [Fact]
    public async Task A_known_flaky_step_failing_again_is_not_an_alarm()
    {
        var folder = Directory.CreateDirectory(_temp.File("flaky")).FullName;
        var runs = new WorkflowHistory(folder);
        for (var n = 1; n <= 30; n++)
        {
            // Fails one run in five: flaky, not "nearly always passes".
            runs.Write(n % 5 == 0 ? WorkflowHistory.Normal(n).Failing("Run Brakeman") : WorkflowHistory.Normal(n));
        }

        runs.Write(WorkflowHistory.Normal(31).Failing("Run Brakeman"));

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        Assert.DoesNotContain(result.Findings, f => f.Category == Categories.UnexpectedFailure);
    }

    [Fact]
    public async Task A_renamed_job_starts_a_new_baseline_and_is_not_an_alarm()
    {
        var history = WriteNormalHistory(30);
        // A new job name with a new step list: the job has no history, so neither is news (the run as a whole is unchanged).
        new WorkflowHistory(history, skip: 30).Write(WorkflowHistory.Normal(31)
            .Inserting("Upload cache", after: "Run Brakeman", TimeSpan.FromSeconds(2)) with { Job = "lint" });

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history]);

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_step_that_completes_before_it_starts_is_read_without_a_duration_and_raises_nothing()
    {
        var history = WriteNormalHistory(30);
        new WorkflowHistory(history, skip: 30).Write(WorkflowHistory.Normal(31).WithStep("Run Rubocop", s => s with { CompletesBeforeItStarts = true }));

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history]);

        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
    }

    public void Dispose() => _temp.Dispose();

    private static string Run(int n) => WorkflowHistory.RunId(n).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string WriteNormalHistory(int runs)
    {
        var folder = Directory.CreateDirectory(_temp.File("history")).FullName;
        var history = new WorkflowHistory(folder);
        for (var n = 1; n <= runs; n++)
        {
            history.Write(WorkflowHistory.Normal(n));
        }

        return folder;
    }

    private static Dictionary<string, string> ReadBaselines(string store)
    {
        using var connection = new SqliteConnection($"Data Source={store};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, hex(data) FROM baselines";
        using var reader = command.ExecuteReader();
        var baselines = new Dictionary<string, string>();
        while (reader.Read())
        {
            baselines[reader.GetString(0)] = reader.GetString(1);
        }

        return baselines;
    }
}
