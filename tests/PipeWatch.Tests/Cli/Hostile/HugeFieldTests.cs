using System.Text.Json.Nodes;
using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// One 20 MB field (a <c>workflow_job</c> name) used to take 2.2 GB of memory and an 882 MB store, copied into baselines and
/// rows. Each field is cut at <see cref="FieldLimit.MaxChars"/>; the run is held to a 256 MiB heap to prove the bound.
/// </summary>
public sealed class HugeFieldTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_20_mb_job_name_is_cut_and_the_ingest_fits_a_256_mib_heap_and_a_small_store()
    {
        var payload = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json")))!;
        payload["workflow_job"]!["name"] = new string('A', 20 * 1024 * 1024);
        File.WriteAllText(_temp.File("job.json"), payload.ToJsonString());
        var heap = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };

        var result = await CliProcess.RunAsync(_temp.Path, heap, null, TimeSpan.FromMinutes(3), "ingest", "job.json", "--store", "store.db");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("ingested 1 file: 1 events", result.Error, StringComparison.Ordinal);
        var stored = Directory.GetFiles(_temp.Path, "store.db*").Sum(f => new FileInfo(f).Length);
        Assert.True(stored < 8 * 1024 * 1024, $"the store holds {stored:N0} bytes");
    }

    [Fact]
    public void A_field_over_the_limit_keeps_its_head_and_says_how_much_was_cut()
    {
        var clipped = FieldLimit.Clip(new string('x', FieldLimit.MaxChars + 10));

        Assert.Equal(new string('x', FieldLimit.MaxChars) + "…[10 more characters cut]", clipped);
        Assert.Equal("short", FieldLimit.Clip("short"));
    }
}
