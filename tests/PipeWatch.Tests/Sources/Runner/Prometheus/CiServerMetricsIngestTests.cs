using System.Globalization;
using PipeWatch.Findings;
using PipeWatch.Sources.Runner.Prometheus;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Prometheus;

/// <summary>Scrapes of Jenkins' and GitLab Runner's own Prometheus endpoints, saved as files and ingested: baselines per server and metric, one finding for a scrape far above them.</summary>
public sealed class CiServerMetricsIngestTests : IDisposable
{
    private static readonly DateTime First = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Ten_ordinary_jenkins_scrapes_raise_nothing()
    {
        var folder = JenkinsScrapes(10);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
        Assert.Equal(10, result.Summary.Events);
    }

    [Fact]
    public async Task A_jenkins_queue_of_40_after_ten_scrapes_of_0_to_3_is_one_finding_naming_server_metric_value_and_baseline()
    {
        var folder = JenkinsScrapes(10);
        Scrape(folder, "jenkins-11.prom", JenkinsExposition.Text(queue: 40, busy: 4, count: 131, sumMs: 131 * 120_000), 11);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        Assert.Empty(result.Problems);
        var finding = Assert.Single(result.Findings);
        Assert.Equal(("performance.resource-spike", Categories.ResourceSpike, Severity.High), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal("CI server 'jenkins' (jenkins metrics): 40 queued builds, 26.7× its usual queue length", finding.Title);
        Assert.Equal("CI server 'jenkins' (jenkins metrics) reported 40 queued builds (queue length); its baseline is a median of 1.5 queued builds with a spread (1.4826×MAD) of 0.7 queued builds over 10 scrapes: 26.7× the median, 51.9 spreads above it (threshold 4, minimum 1.5× and +5 queued builds).", finding.Explanation);
        Assert.Equal("jenkins", finding.Entity.Repository);
        Assert.Equal(Path.Combine(folder, "jenkins-11.prom"), finding.Location.File);
        Assert.Equal(
            [("metric", "queue"), ("observed", "40"), ("median", "1.5"), ("samples", "10"), ("metrics_source", "jenkins")],
            finding.Evidence.Where(e => e.Name is "metric" or "observed" or "median" or "samples" or "metrics_source").Select(e => (e.Name, e.Value)));
    }

    [Fact]
    public async Task A_second_spike_later_on_the_same_server_is_a_second_finding()
    {
        var folder = JenkinsScrapes(10);
        Scrape(folder, "jenkins-11.prom", JenkinsExposition.Text(queue: 40, busy: 4, count: 131, sumMs: 131 * 120_000), 11);
        Scrape(folder, "jenkins-12.prom", JenkinsExposition.Text(queue: 2, busy: 4, count: 132, sumMs: 132 * 120_000), 12);
        Scrape(folder, "jenkins-13.prom", JenkinsExposition.Text(queue: 35, busy: 4, count: 133, sumMs: 133 * 120_000), 13);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        Assert.Equal(
            [Path.Combine(folder, "jenkins-11.prom"), Path.Combine(folder, "jenkins-13.prom")],
            result.Findings.Select(f => f.Location.File).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_queue_that_stays_long_for_three_scrapes_is_one_finding_from_the_scrape_that_began_it()
    {
        var folder = JenkinsScrapes(10);
        Scrape(folder, "jenkins-11.prom", JenkinsExposition.Text(queue: 40, busy: 4, count: 131, sumMs: 131 * 120_000), 11);
        Scrape(folder, "jenkins-12.prom", JenkinsExposition.Text(queue: 44, busy: 4, count: 131, sumMs: 131 * 120_000), 12);
        Scrape(folder, "jenkins-13.prom", JenkinsExposition.Text(queue: 37, busy: 5, count: 132, sumMs: 132 * 120_000), 13);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Path.Combine(folder, "jenkins-11.prom"), finding.Location.File);
    }

    [Fact]
    public async Task An_ordinary_eleventh_jenkins_scrape_raises_nothing()
    {
        var folder = JenkinsScrapes(10);
        Scrape(folder, "jenkins-11.prom", JenkinsExposition.Text(queue: 3, busy: 5, count: 131, sumMs: 131 * 125_000), 11);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        Assert.Empty(result.Findings);
        Assert.Equal(11, result.Summary.Events);
    }

    [Fact]
    public async Task Two_servers_keep_their_own_baselines()
    {
        // Server 'build-farm' always has a long queue; 'jenkins' never: 30 queued on build-farm is its normal.
        var folder = JenkinsScrapes(10);
        for (var i = 1; i <= 11; i++) Scrape(folder, $"build-farm-{i:00}.prom", JenkinsExposition.Text(queue: 28 + (i % 4), busy: 8, count: 100 + i, sumMs: (100 + i) * 120_000), i);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        Assert.Empty(result.Findings);
        Assert.Equal(21, result.Summary.Events);
    }

    [Fact]
    public async Task Gitlab_runner_jobs_far_above_their_baseline_are_reported_as_busy_executors()
    {
        var folder = Directory.CreateDirectory(_temp.File("runner")).FullName;
        for (var i = 1; i <= 10; i++) Scrape(folder, $"gitlab-runner-{i:00}.metrics", GitLabRunner(running: 1 + (i % 3), count: 40 + i), i);
        Scrape(folder, "gitlab-runner-11.metrics", GitLabRunner(running: 24, count: 51), 11);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [folder]);

        Assert.Empty(result.Problems);
        var finding = Assert.Single(result.Findings);
        Assert.Equal("performance.resource-spike", finding.Rule);
        Assert.Equal("CI server 'gitlab-runner' (gitlab-runner metrics): 24 busy executors, 12.0× its usual busy executors", finding.Title);
        Assert.StartsWith("CI server 'gitlab-runner' (gitlab-runner metrics) reported 24 busy executors (busy executors); its baseline is a median of 2 busy executors with a spread (1.4826×MAD) of 1.5 busy executors over 10 scrapes: 12.0× the median", finding.Explanation);
        Assert.Equal("executors-busy", finding.Evidence.Single(e => e.Name == "metric").Value);
    }

    [Fact]
    public async Task The_mapping_reads_the_documented_names_and_keeps_other_metrics_out()
    {
        var scrape = await new ExpositionParser().ParseAsync(GitLabRunner(running: 3, count: 4) + NodeExporterLines, TestContext.Current.CancellationToken);
        var runner = CiServerMetrics.Of(scrape);
        Assert.Equal(("gitlab-runner", null, 3, 8), (runner?.Kind, runner?.QueueLength, runner?.ExecutorsBusy, runner?.Executors));
        Assert.Equal(276.34 / 4, runner!.JobDurationSeconds!.Value, 6);

        var jenkins = await new ExpositionParser().ParseAsync(JenkinsExposition.Text(queue: 2, busy: 3, count: 40, sumMs: 40 * 100_000), TestContext.Current.CancellationToken);
        Assert.Equal(new CiServerMetrics("jenkins", 2, 3, 8, 100), CiServerMetrics.Of(jenkins));

        Assert.Null(CiServerMetrics.Of(await new ExpositionParser().ParseAsync(NodeExporterLines, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task A_text_file_is_told_an_exposition_by_its_content_and_one_without_ci_metrics_is_a_problem()
    {
        // No known name: a first sample line (past comments) says it; a .txt or .log would be a job log unless it starts with # HELP/# TYPE.
        var sniffed = _temp.File("scrape-output");
        await File.WriteAllTextAsync(sniffed, "# a note\njenkins_queue_size_value 2\n", TestContext.Current.CancellationToken);
        var node = _temp.File("node.prom");
        await File.WriteAllTextAsync(node, NodeExporterLines, TestContext.Current.CancellationToken);

        Assert.True(ExpositionFileSource.Detect(sniffed));
        Assert.False(ExpositionFileSource.Detect("# Title\n\nSome prose 1\n"u8));
        Assert.False(ExpositionFileSource.Detect("{\"a\": 1}\n"u8));
        Assert.True(ExpositionFileSource.Detect("# TYPE x gauge\nx 1\n"u8, declaredOnly: true));
        Assert.False(ExpositionFileSource.Detect("# a note\nx 1\n"u8, declaredOnly: true));
        Assert.True(ExpositionFileSource.Detect("x{path=\"a b\",q=\"\\\"\"} 1.5e3 1700000000000\n"u8));

        var result = await Ingest.RunAsync(_temp.File("store.db"), [sniffed, node]);

        Assert.Equal(1, result.Summary.Events);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(node, problem.File);
        Assert.StartsWith("prometheus: no CI server metrics", problem.Reason);
    }

    [Fact]
    public async Task A_bad_line_is_reported_with_its_number_and_the_rest_is_read()
    {
        var path = _temp.File("jenkins.prom");
        await File.WriteAllTextAsync(path, "# TYPE jenkins_queue_size_value gauge\njenkins_queue_size_value 2\nthis is not a sample\njenkins_executor_in_use_value 1\n", TestContext.Current.CancellationToken);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [path]);

        Assert.Equal(1, result.Summary.Events);
        var problem = Assert.Single(result.Problems);
        Assert.Contains("line 3", problem.Reason);
    }

    [Theory]
    [InlineData("jenkins.prom", "jenkins")]
    [InlineData("jenkins-01.prom", "jenkins")]
    [InlineData("ci.example.com-2026-12-07T02:00:00Z.prom", "ci.example.com")]
    [InlineData("gitlab-runner_17.metrics", "gitlab-runner")]
    public void The_server_is_named_by_the_file_without_its_scrape_number_or_time(string file, string server) =>
        Assert.Equal(server, ExpositionFileSource.ServerName(Path.Combine("/scrapes", file)));

    public void Dispose() => _temp.Dispose();

    // Ten ordinary scrapes: queue 0-3, 2-5 of 8 executors busy, builds of two minutes.
    private string JenkinsScrapes(int count)
    {
        var folder = Directory.CreateDirectory(_temp.File("jenkins")).FullName;
        for (var i = 1; i <= count; i++) Scrape(folder, $"jenkins-{i:00}.prom", JenkinsExposition.Ordinary(i), i);
        return folder;
    }

    private static void Scrape(string folder, string name, string text, int minute)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, First.AddMinutes(minute));
    }

    // GitLab Runner's /metrics (port 9252): jobs by state and stage, the concurrent limit, the job duration histogram.
    private static string GitLabRunner(int running, long count) => string.Create(CultureInfo.InvariantCulture, $$"""
        # HELP gitlab_runner_concurrent The current value of concurrent setting
        # TYPE gitlab_runner_concurrent gauge
        gitlab_runner_concurrent 8
        # HELP gitlab_runner_jobs The current number of running builds.
        # TYPE gitlab_runner_jobs gauge
        gitlab_runner_jobs{executor_stage="docker_run",runner="c8d11a2a",stage="step_script",state="running"} {{running - 1}}
        gitlab_runner_jobs{executor_stage="docker_pull",runner="c8d11a2a",stage="prepare_executor",state="running"} 1
        # HELP gitlab_runner_job_duration_seconds Histogram of job durations
        # TYPE gitlab_runner_job_duration_seconds histogram
        gitlab_runner_job_duration_seconds_bucket{runner="c8d11a2a",le="30"} 1
        gitlab_runner_job_duration_seconds_bucket{runner="c8d11a2a",le="60"} 2
        gitlab_runner_job_duration_seconds_bucket{runner="c8d11a2a",le="300"} {{count}}
        gitlab_runner_job_duration_seconds_bucket{runner="c8d11a2a",le="+Inf"} {{count}}
        gitlab_runner_job_duration_seconds_sum{runner="c8d11a2a"} {{(276.34 / 4 * count).ToString("R", CultureInfo.InvariantCulture)}}
        gitlab_runner_job_duration_seconds_count{runner="c8d11a2a"} {{count}}
        # HELP gitlab_runner_version_info A metric with a constant '1' value labeled by different build stats fields.
        # TYPE gitlab_runner_version_info gauge
        gitlab_runner_version_info{architecture="amd64",version="17.5.0"} 1

        """);

    private const string NodeExporterLines = """
        # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
        # TYPE node_cpu_seconds_total counter
        node_cpu_seconds_total{cpu="0",mode="idle"} 1234.5
        node_memory_MemAvailable_bytes 2.1e+09

        """;
}
