using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Collectors;

/// <summary>What every runtime-security collector's output must give through ingest: the miner finding and its Sigma rule from a miner's records, nothing from a build's.</summary>
public abstract class CollectorIngestTests : IDisposable
{
    private readonly TempFolder _temp = new();

    /// <summary>The file name the collector's records are written to.</summary>
    protected abstract string FileName { get; }

    /// <summary>Records of a known miner started on host 'gh-runner-3'.</summary>
    protected abstract string MinerRecords { get; }

    /// <summary>Records of an ordinary build.</summary>
    protected abstract string BuildRecords { get; }

    [Fact]
    public async Task A_miner_yields_the_miner_finding_and_the_sigma_rule()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [Write(FileName, MinerRecords)]);

        Assert.Empty(result.Problems);
        Assert.Equal(
            [("cc522ac3-5a19-4203-a510-51686f005e4e", "Cryptocurrency miner started on a runner"), ("performance.resource-spike", "Cryptocurrency miner on host 'gh-runner-3': xmrig")],
            result.Findings.Select(f => (f.Rule, f.Title)).Order());
    }

    [Fact]
    public async Task A_build_raises_nothing()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [Write(FileName, BuildRecords)]);

        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
    }

    protected string Write(string name, string text)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
