using System.Text.Json;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch findings</c>: queries over the store that <c>ingest</c> filled.</summary>
public sealed class FindingsCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public FindingsCommandTests() => _cli = new CliRunner(_temp.Path);

    [Fact]
    public async Task Lists_what_ingest_stored_and_filters_by_category_severity_and_time()
    {
        await _cli.RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), "--format", "json");

        var all = await _cli.RunAsync("findings", "--format", "json");
        var slow = await _cli.RunAsync("findings", "--format", "json", "--category", "pipeline.long-duration");
        var high = await _cli.RunAsync("findings", "--format", "json", "--severity", "high");
        var late = await _cli.RunAsync("findings", "--format", "json", "--since", "2026-10-25T10:00:00Z");
        var none = await _cli.RunAsync("findings", "--format", "json", "--since", "1d");

        Assert.Equal(0, all.ExitCode);
        Assert.Equal(4, all.OutputLines.Length);
        Assert.Equal("pipeline.long-duration", JsonDocument.Parse(Assert.Single(slow.OutputLines)).RootElement.GetProperty("category").GetString());
        Assert.Equal("pipeline.step-order-changed", JsonDocument.Parse(Assert.Single(high.OutputLines)).RootElement.GetProperty("category").GetString());
        Assert.Equal(2, late.OutputLines.Length);
        Assert.Empty(none.OutputLines);
    }

    [Fact]
    public async Task Incidents_group_the_demo_findings_by_run_and_actor_most_recent_first()
    {
        await _cli.RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), "--format", "json");

        var json = await _cli.RunAsync("findings", "--incidents", "--format", "json");
        var plain = await _cli.RunAsync("findings", "--incidents");
        var high = await _cli.RunAsync("findings", "--incidents", "--format", "json", "--severity", "high");
        var failures = await _cli.RunAsync("findings", "--incidents", "--format", "json", "--category", "pipeline.unexpected-failure");

        Assert.Equal(0, json.ExitCode);
        Assert.Equal("3 incidents (4 findings)", json.ErrorLines.Last().Trim());
        var incidents = json.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(3, incidents.Length);
        Assert.Equal(
            [["pipeline.repeated-failures"], ["pipeline.unexpected-failure"], ["pipeline.long-duration", "pipeline.step-order-changed"]],
            incidents.Select(i => i.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("category").GetString()!).ToArray()));
        // Run 7100000041 by ci-helper-bot: a slow step and an added step, one story.
        var run41 = incidents[2];
        Assert.Equal("high", run41.GetProperty("severity").GetString());
        Assert.Equal("2026-10-25T08:48:05.0000000Z", run41.GetProperty("first_seen").GetString());
        Assert.Equal("2026-10-25T08:48:05.0000000Z", run41.GetProperty("last_seen").GetString());
        Assert.Equal(["ci-helper-bot"], run41.GetProperty("actors").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["acme/payments-api"], run41.GetProperty("repositories").EnumerateArray().Select(a => a.GetString()));
        Assert.All(
            run41.GetProperty("findings").EnumerateArray(),
            f => Assert.Equal("7100000041", f.GetProperty("location").GetProperty("run_id").GetString()));
        Assert.Equal(16, run41.GetProperty("id").GetString()!.Length);

        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(3, plain.OutputLines.Count(l => l.StartsWith("INCIDENT ", StringComparison.Ordinal)));
        Assert.Contains(
            $"INCIDENT {run41.GetProperty("id").GetString()}  HIGH  2026-10-25 08:48:05Z → 2026-10-25 08:48:05Z  2 findings  actors: ci-helper-bot  repositories: acme/payments-api",
            plain.OutputLines);
        Assert.Equal(run41.GetProperty("id").GetString(), JsonDocument.Parse(Assert.Single(high.OutputLines)).RootElement.GetProperty("id").GetString());
        Assert.Single(failures.OutputLines);
    }

    [Fact]
    public async Task Allow_entries_added_after_ingest_hide_the_findings_they_cover_and_say_how_many()
    {
        await _cli.RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), "--format", "json");
        // Written after the ingest: the store holds the long-duration finding, the config now allows it.
        File.WriteAllText(_temp.File("allow.yml"), "allow:\n  - rule: pipeline.long-duration\n    reason: the integration suite is known to be slow\n");

        var before = await _cli.RunAsync("findings", "--format", "json");
        var after = await _cli.RunAsync("findings", "--format", "json", "--config", "allow.yml");
        var incidents = await _cli.RunAsync("findings", "--incidents", "--format", "json", "--config", "allow.yml");
        var broken = await _cli.RunAsync("findings", "--config", "missing.yml");

        Assert.Equal(4, before.OutputLines.Length);
        Assert.Equal(3, after.OutputLines.Length);
        Assert.DoesNotContain(after.OutputLines, l => l.Contains("\"pipeline.long-duration\"", StringComparison.Ordinal));
        Assert.Equal("3 findings (1 allowed by the config's allow: entries, not shown)", after.ErrorLines.Last().Trim());
        // The incident that also holds an allowed finding stays whole: only incidents of allowed findings alone disappear.
        Assert.Equal("3 incidents (4 findings)", incidents.ErrorLines.Last().Trim());
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("missing.yml", broken.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Incidents_as_sarif_are_refused()
    {
        await _cli.RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), "--format", "json");

        var result = await _cli.RunAsync("findings", "--incidents", "--format", "sarif");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--incidents", result.Error);
    }

    [Fact]
    public async Task Without_a_store_it_says_so_and_exits_2()
    {
        var result = await _cli.RunAsync("findings");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no store here yet", result.Error);
    }

    [Fact]
    public async Task An_unknown_category_is_refused_with_the_list_of_known_ones()
    {
        await _cli.RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), "--format", "json");

        var result = await _cli.RunAsync("findings", "--category", "pipeline.slow");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'pipeline.slow' is not a category", result.Error);
        Assert.Contains("pipeline.long-duration", result.Error);
    }

    public void Dispose() => _temp.Dispose();
}
