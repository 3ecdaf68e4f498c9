using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Intel;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// <c>intel import</c> streams lists and CSV line by line and imports them in blocks, so a feed larger than the heap is read
/// within it (a 256 MiB <c>DOTNET_GCHeapHardLimit</c>); a JSON feed, parsed whole, is refused past its bound with a problem.
/// Before, every feed was read whole into one buffer, then into one string.
/// </summary>
public sealed class IntelFeedMemoryTests : IDisposable
{
    private const string HeapLimit = "0x10000000";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_300_mb_plain_list_is_imported_within_a_256_mib_heap_and_its_overlong_line_is_a_problem()
    {
        var comment = "# " + new string('-', 6_000) + "\n";
        var overlong = 0;
        using (var file = new StreamWriter(_temp.File("big.txt"), false, new UTF8Encoding(false), 1 << 20))
        {
            var line = 0;
            for (var i = 0; i < 50_000; i++)
            {
                file.Write($"c{i:x}.drop-{i % 97}.example\n");
                file.Write(comment);
                line += 2;
                if (i != 25_000) continue;
                file.Write("evil" + new string('a', 70_000) + ".example\n");
                overlong = ++line;
            }
        }

        Assert.True(new FileInfo(_temp.File("big.txt")).Length > 300_000_000);
        var result = await ImportAsync("big.txt");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"big.txt:{overlong}: line longer than 65536 characters", result.Error, StringComparison.Ordinal);
        Assert.Contains("big.txt: list, 50000 indicators (50000 domain)", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("imported 50,000 indicators (50,000 new, 0 updated), 1 problem\n", result.Error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        using var store = SqliteStore.Open(_temp.File("store.db"));
        Assert.Equal(50_000, store.ReadIndicators().Count());
    }

    [Fact]
    public async Task A_300_mb_csv_is_imported_within_a_256_mib_heap()
    {
        var padding = new string('p', 6_000);
        using (var file = new StreamWriter(_temp.File("big.csv"), false, new UTF8Encoding(false), 1 << 20))
        {
            file.Write("type,value,description,confidence,note\n");
            for (var i = 0; i < 50_000; i++) file.Write($"sha256,{i:x64},sample {i},80,{padding}\n");
        }

        Assert.True(new FileInfo(_temp.File("big.csv")).Length > 300_000_000);
        var result = await ImportAsync("big.csv");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("big.csv: typed-csv, 50000 indicators (50000 sha256)", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("imported 50,000 indicators (50,000 new, 0 updated), 0 problems\n", result.Error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_feed_past_its_bound_is_refused_with_a_problem_naming_the_file()
    {
        using (var file = File.Create(_temp.File("huge.json")))
        {
            file.Write("{\"type\": \"bundle\", \"objects\": ["u8);
            file.SetLength(IntelFeeds.MaxJsonBytes + 1);
        }

        var result = await ImportAsync("huge.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("huge.json: a JSON feed larger than 256 MiB is not read (JSON is parsed whole; lists and CSV are streamed): split it, or fetch it as a TAXII collection", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_feed_read_with_a_hand_over_holds_one_block_at_a_time_and_counts_them_all()
    {
        var path = _temp.File("list.txt");
        File.WriteAllLines(path, Enumerable.Range(0, 45_000).Select(i => i % 3 == 0 ? $"198.51.{i / 256 % 256}.{i % 256}" : $"c{i:x}.example"));
        var blocks = new List<int>();

        var reading = IntelFeeds.ReadFile(path, null, null, new ProblemLog(), block => blocks.Add(block.Indicators.Count));

        Assert.Equal([FeedReading.HandOverEvery, FeedReading.HandOverEvery], blocks);
        Assert.Equal(5_000, reading.Indicators.Count);
        Assert.Equal(45_000, reading.Count);
        Assert.Equal(new Dictionary<IndicatorKind, int> { [IndicatorKind.Ip] = 15_000, [IndicatorKind.Domain] = 30_000 }, reading.CountsByKind());
    }

    private Task<CliResult> ImportAsync(string file) =>
        CliProcess.RunAsync(_temp.Path, new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = HeapLimit }, null, TimeSpan.FromMinutes(6), "intel", "import", file, "--store", "store.db");
}
