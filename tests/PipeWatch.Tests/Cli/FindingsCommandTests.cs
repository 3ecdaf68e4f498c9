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
