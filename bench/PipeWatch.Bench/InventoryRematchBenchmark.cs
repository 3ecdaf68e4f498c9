using System.Diagnostics;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Bench;

/// <summary>
/// The inventory suite (issue 25): an estate of 10,000 repositories × 300 npm packages in a store, matched in full against
/// 50,000 advisories (every advisory "changed": the baseline), then a day's delta of 300 new advisories re-matched the way
/// <c>vulndb update</c> does. Target: the delta costs ≤ 5% of the full re-match (CPU time, same run).
/// </summary>
internal static class InventoryRematchBenchmark
{
    private const int Repositories = 10_000;
    private const int PackagesEach = 300;
    private const int Names = 20_000;
    private const int Advisories = 50_000;
    private const int Delta = 300;

    public static Task<int> RunAsync(string root, TextWriter output)
    {
        var folder = Path.Combine(root, "bench", "out", "inventory");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "estate.db");
        foreach (var file in Directory.GetFiles(folder, "estate.db*")) File.Delete(file);
        output.WriteLine($"suite: inventory ({Repositories:N0} repositories x {PackagesEach} packages over {Names:N0} names; {Advisories:N0} advisories, a delta of {Delta}; target: delta <= 5% of the full re-match)");
        using var store = SqliteStore.Open(path);
        var now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        var fill = Stopwatch.StartNew();
        using (var write = store.BeginInventory())
        {
            for (var r = 0; r < Repositories; r++)
            {
                var place = new InventoryPlace(PlaceKind.Repository, $"org/repo-{r:D5}");
                var items = new InventoryItem[PackagesEach];
                for (var k = 0; k < PackagesEach; k++)
                {
                    var n = (int)(((long)r * 7919 + (long)k * 104_729) % Names);
                    items[k] = new InventoryItem(Ecosystems.Npm, $"pkg-{n}", $"1.{(r + k) % 10}.0", "package-lock.json", Direct: k < 20, Source: "registry");
                }

                write.Replace(new InventoryUpdate(place, null, items, now.AddDays(-30)));
            }

            write.Commit();
        }

        output.WriteLine($"estate: {store.CountInventory().Entries:N0} entries written in {fill.Elapsed.TotalSeconds:N1} s");
        var import = store.ImportAdvisories(Generate(0, Advisories), CancellationToken.None);
        var full = Measure(() => Rematch(store, import.Changes, now));
        output.WriteLine($"(a) full re-match   {full.Wall,9:N0} ms wall {full.Cpu,9:N0} ms CPU  {full.Result.Advisories:N0} advisories, {full.Result.Entries:N0} entries read, {full.Result.Raised.Count:N0} findings");
        var delta = store.ImportAdvisories(Generate(Advisories, Delta), CancellationToken.None);
        var day = Measure(() => Rematch(store, delta.Changes, now.AddDays(1)));
        output.WriteLine($"(b) a day's delta   {day.Wall,9:N0} ms wall {day.Cpu,9:N0} ms CPU  {day.Result.Advisories:N0} advisories, {day.Result.Entries:N0} entries read, {day.Result.Raised.Count:N0} findings");
        output.WriteLine($"delta / full: {day.Cpu / full.Cpu:P1} of the CPU time, {day.Wall / full.Wall:P1} of the wall time (target <= 5%)");
        output.WriteLine($"load: {Environment.ProcessorCount} cores; uptime load average when run: {Load()}");
        return Task.FromResult(0);
    }

    private static RematchResult Rematch(SqliteStore store, IReadOnlyList<AdvisoryChange> changes, DateTimeOffset now)
    {
        using var index = store.OpenAdvisoryIndex();
        return InventoryRematch.Run(store, index, changes, now);
    }

    private static (double Wall, double Cpu, RematchResult Result) Measure(Func<RematchResult> run)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var result = run();
        process.Refresh();
        return (wall.Elapsed.TotalMilliseconds, (process.TotalProcessorTime - cpu).TotalMilliseconds, result);
    }

    // Each advisory names one package; about one package version in ten it names is affected (versions 1.0.0 up to its fix).
    private static IEnumerable<Advisory> Generate(int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var name = $"pkg-{(i * 7L) % Names}";
            yield return new Advisory(
                $"BENCH-{i:D6}", [$"CVE-2026-{i:D6}"], "generated", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), Severity.Medium, null, null, false,
                [new AffectedPackage(Ecosystems.Npm, name, [new AffectedRange("SEMVER", [new RangeEvent(RangeEventKind.Introduced, "1.0.0"), new RangeEvent(RangeEventKind.Fixed, "1.1.0")])], [])]);
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
