using System.IO.Compression;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.JobLogs;

public sealed class JobLogSourceTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("github", "github-actions-log")]
    [InlineData("gitlab", "gitlab-job-trace")]
    [InlineData("jenkins", "jenkins-console")]
    public void Each_log_is_recognized_by_its_content(string which, string format)
    {
        var path = which switch { "github" => JobLogFixtures.GitHubLog, "gitlab" => JobLogFixtures.GitLabTrace, _ => JobLogFixtures.JenkinsLog };
        var copy = _temp.File("renamed-" + which);
        File.Copy(path, copy);

        Assert.Equal(format, JobLogFormats.Detect(copy)?.Id);
    }

    [Fact]
    public void A_txt_of_no_known_platform_is_plain_text_and_json_or_other_files_are_not_logs()
    {
        File.WriteAllText(_temp.File("deploy.txt"), "deploying payments-api\ndone\n");
        File.WriteAllText(_temp.File("payload.txt"), "{\"action\":\"completed\"}\n");
        File.WriteAllText(_temp.File("notes.md"), "deploying payments-api\n");

        Assert.Equal("plain-log", JobLogFormats.Detect(_temp.File("deploy.txt"))?.Id);
        Assert.Null(JobLogFormats.Detect(_temp.File("payload.txt")));
        Assert.Null(JobLogFormats.Detect(_temp.File("notes.md")));
    }

    [Fact]
    public async Task A_github_log_becomes_one_event_per_step_with_run_job_and_repository_from_path_and_markers()
    {
        var events = await ReadAsync(JobLogFixtures.GitHubLog);

        Assert.Equal(
            ["Set up job", "Run actions/checkout@v4", "Run tj-actions/changed-files@v45", "Run npm ci", "Post job cleanup", "Complete job"],
            events.Select(e => e.Log!.Step));
        Assert.All(events, e =>
        {
            Assert.Equal(EventKind.JobLog, e.Kind);
            Assert.Equal("13848234567", e.Ci.RunId);
            Assert.Equal("build", e.Ci.Job);
            Assert.Equal("github", e.Ci.Platform);
        });
        var step = events[2];
        Assert.Equal("acme/payments-api", step.Ci.Repository);
        Assert.Equal(".github/workflows/ci.yml", step.Ci.Pipeline);
        Assert.Equal(46, step.Log!.FirstLine);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 16, 3, 35, 620, TimeSpan.Zero).AddTicks(1935), step.Timestamp);
        var lines = step.Log.Text.Split('\n');
        Assert.Equal("Run tj-actions/changed-files@v45", lines[0]);
        Assert.Equal("Running on a pull request event...", lines[56 - 46 - 2]);
        Assert.Equal(56, step.Log.LineOf(step.Log.Text.IndexOf("SWtGW", StringComparison.Ordinal)));
        Assert.Equal("npm ci", events[3].Log!.Text.Split('\n')[1]);
    }

    [Fact]
    public async Task A_gitlab_trace_is_cut_at_its_sections_with_markers_and_colours_removed()
    {
        var events = await ReadAsync(JobLogFixtures.GitLabTrace);

        Assert.Equal([null, "prepare_executor", "prepare_script", "get_sources", "step_script", "cleanup_file_variables", null], events.Select(e => e.Log!.Step));
        var script = events[4];
        Assert.Equal(15, script.Log!.FirstLine);
        Assert.Equal("Executing \"step_script\" stage of the job script", script.Log.Text.Split('\n')[0]);
        Assert.Equal("$ npm ci", script.Log.Text.Split('\n')[2]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741968236), script.Timestamp);
        Assert.Equal("acme/payments-api", script.Ci.Repository);
        Assert.Equal("9412345678", script.Ci.Job);
        Assert.Equal("gitlab", script.Ci.Platform);
    }

    [Fact]
    public async Task A_jenkins_build_log_has_its_job_and_run_from_the_path_and_a_section_per_stage()
    {
        var events = await ReadAsync(JobLogFixtures.JenkinsLog);

        Assert.Equal([null, "Declarative: Checkout SCM", null, "Build", null, "Publish", null], events.Select(e => e.Log!.Step));
        var publish = events[5];
        Assert.Equal("payments-deploy", publish.Ci.Pipeline);
        Assert.Equal("57", publish.Ci.RunId);
        Assert.Equal("acme/payments-api", publish.Ci.Repository);
        Assert.Equal("[Pipeline] { (Publish)", publish.Log!.Text.Split('\n')[0]);
        Assert.DoesNotContain("ha:////", string.Concat(events.Select(e => e.Log!.Text)), StringComparison.Ordinal);
        Assert.True(publish.TimestampMissing);
    }

    [Fact]
    public async Task Timestamper_prefixes_give_jenkins_lines_their_time()
    {
        File.WriteAllLines(_temp.File("console.txt"),
        [
            "[2026-11-02T09:14:07.311Z] Started by user Dana Ops",
            "[2026-11-02T09:14:08.002Z] [Pipeline] stage",
            "[2026-11-02T09:14:08.004Z] [Pipeline] { (Test)",
            "[2026-11-02T09:14:08.120Z] + make test",
        ]);

        var events = await ReadAsync(_temp.File("console.txt"));

        Assert.Equal("jenkins-console", JobLogFormats.Detect(_temp.File("console.txt"))?.Id);
        Assert.Equal("Test", events[^1].Log!.Step);
        Assert.Equal("[Pipeline] { (Test)\n+ make test", events[^1].Log!.Text);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 9, 14, 8, 4, TimeSpan.Zero), events[^1].Timestamp);
    }

    [Fact]
    public async Task The_gh_cli_form_gives_job_and_step_on_each_line()
    {
        File.WriteAllLines(_temp.File("run.log"),
        [
            "build\tSet up job\t2025-03-14T16:03:33.2279340Z Current runner version: '2.322.0'",
            "build\tRun npm test\t2025-03-14T16:03:40.1000000Z ##[group]Run npm test",
            "build\tRun npm test\t2025-03-14T16:03:41.1000000Z ok 12 tests",
            "lint\tRun eslint .\t2025-03-14T16:03:42.1000000Z 0 problems",
        ]);

        var events = await ReadAsync(_temp.File("run.log"));

        Assert.Equal([("build", "Set up job"), ("build", "Run npm test"), ("lint", "Run eslint .")], events.Select(e => (e.Ci.Job, e.Log!.Step)));
        Assert.Equal("Run npm test\nok 12 tests", events[1].Log!.Text);
    }

    [Fact]
    public async Task A_downloaded_zip_is_read_entry_by_entry_with_the_job_from_the_folder_and_the_run_from_its_name()
    {
        var zip = _temp.File("logs_13848234567.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            archive.CreateEntryFromFile(JobLogFixtures.GitHubLog, "0_build.txt");
            var step = archive.CreateEntry("build/3_Run tj-actions changed-files.txt");
            await using (var writer = new StreamWriter(step.Open()))
            {
                await writer.WriteAsync("2025-03-14T16:03:35.6201935Z ##[group]Run tj-actions/changed-files@v45\n2025-03-14T16:03:36.0437120Z done\n");
            }

            var junk = archive.CreateEntry("build/artifact.bin");
            await using (var stream = junk.Open()) stream.Write([0, 1, 2, 3]);
        }

        var problems = new ProblemLog();
        var events = await ReadAsync(InputFiles.Sources([zip]).Single(), problems);

        Assert.Equal(6 + 1, events.Count);
        Assert.All(events, e => Assert.Equal("13848234567", e.Ci.RunId));
        Assert.All(events, e => Assert.Equal("build", e.Ci.Job));
        Assert.Equal(zip + "/build/3_Run tj-actions changed-files.txt", events[^1].Origin.File);
        var problem = Assert.Single(problems.Problems);
        Assert.Equal(zip + "/build/artifact.bin", problem.File);
    }

    [Fact]
    public async Task A_line_with_nul_bytes_is_reported_with_file_and_line_and_the_rest_is_read()
    {
        File.WriteAllText(_temp.File("job.log"), "2025-03-14T16:03:33.2279340Z one\n2025-03-14T16:03:33.3Z bad\0line\n2025-03-14T16:03:33.4Z three\n");
        var problems = new ProblemLog();

        var events = await ReadAsync(JobLogSource.ForFile(_temp.File("job.log"), new GitHubActionsLogFormat()), problems);

        var problem = Assert.Single(problems.Problems);
        Assert.Equal(2, problem.Line);
        Assert.Equal("one\n\nthree", Assert.Single(events).Log!.Text);
    }

    [Fact]
    public async Task A_long_log_is_cut_into_bounded_parts_that_keep_their_line_numbers()
    {
        var lines = Enumerable.Range(1, JobLogSource.MaxSectionLines * 2 + 10).Select(i => $"line {i}");
        File.WriteAllLines(_temp.File("big.log"), lines);

        var events = await ReadAsync(_temp.File("big.log"));

        // Each part after the first begins with the last OverlapLines lines of the one before.
        const int Second = JobLogSource.MaxSectionLines + 1 - JobLogSource.OverlapLines;
        const int Third = Second + JobLogSource.MaxSectionLines - JobLogSource.OverlapLines;
        Assert.Equal([1, Second, Third], events.Select(e => e.Log!.FirstLine));
        Assert.Equal(3, events.Select(e => e.Id).Distinct().Count());
        Assert.Equal($"line {Second}", events[1].Log!.Text.Split('\n')[0]);
        Assert.Equal(JobLogSource.MaxSectionLines, events[1].Log!.Text.Split('\n').Length);
        Assert.Equal($"line {JobLogSource.MaxSectionLines * 2 + 10}", events[2].Log!.Text.Split('\n')[^1]);
        Assert.All(events, e => Assert.Equal(e.Log!.FirstLine, int.Parse(e.Log.Text.AsSpan(5, e.Log.Text.IndexOf('\n') - 5), System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_part_cut_where_the_step_changes_shares_no_lines_with_the_next_step()
    {
        var lines = Enumerable.Range(1, JobLogSource.MaxSectionLines - 1).Select(i => $"2025-03-14T10:00:00.0000000Z line {i}")
            .Prepend("2025-03-14T10:00:00.0000000Z ##[group]Run build")
            .Concat(["2025-03-14T10:00:01.0000000Z ##[group]Run test", "2025-03-14T10:00:01.0000000Z testing"]);
        File.WriteAllLines(_temp.File("0_build.txt"), lines);

        var events = await ReadAsync(JobLogSource.ForFile(_temp.File("0_build.txt"), new GitHubActionsLogFormat()), new ProblemLog());

        Assert.Equal(["Run build", "Run test"], events.Select(e => e.Log!.Step));
        Assert.Equal(JobLogSource.MaxSectionLines + 1, events[1].Log!.FirstLine);
        Assert.DoesNotContain("line", events[1].Log!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_cut_but_stays_one_line()
    {
        File.WriteAllText(_temp.File("wide.log"), "first\n" + new string('x', JobLogSource.MaxLineChars + 100) + "\nlast\n");

        var events = await ReadAsync(_temp.File("wide.log"));

        var log = Assert.Single(events).Log!;
        Assert.Equal(3, log.Text.Split('\n').Length);
        Assert.Equal(3, log.LineOf(log.Text.IndexOf("last", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Reading_the_same_log_twice_gives_the_same_event_ids()
    {
        var first = await ReadAsync(JobLogFixtures.GitLabTrace);
        var second = await ReadAsync(JobLogFixtures.GitLabTrace);

        Assert.Equal(first.Select(e => e.Id), second.Select(e => e.Id));
        Assert.Equal(first.Count, first.Select(e => e.Id).Distinct().Count());
    }

    private static Task<List<Event>> ReadAsync(string path) =>
        ReadAsync(JobLogSource.ForFile(path, JobLogFormats.Detect(path) ?? throw new InvalidOperationException($"{path} not recognized")), new ProblemLog());

    private static async Task<List<Event>> ReadAsync(ISource source, ProblemLog problems)
    {
        var events = new List<Event>();
        await foreach (var e in source.ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken)) events.Add(e);
        return events;
    }
}
