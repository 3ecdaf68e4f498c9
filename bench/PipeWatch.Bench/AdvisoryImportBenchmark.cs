using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Diagnostics;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Bench;

/// <summary>
/// The advisory-import suite (issue 23): <c>vulndb import</c> of a generated OSV <c>all.zip</c> into a fresh SQLite store and, when
/// <c>PIPEWATCH_BENCH_POSTGRES</c> names a PostgreSQL store, into it; first into empty tables, then again unchanged (a daily refresh).
/// </summary>
/// <remarks>
/// The baseline, measured first in the same process: reading the archive alone (unzip and parse every record). Each import prints
/// wall and this process's CPU seconds, and the CPU as a ratio to the baseline's. On PostgreSQL the server's own CPU is not counted:
/// its wall time is what the round trips cost.
/// </remarks>
internal static class AdvisoryImportBenchmark
{
    private const int Records = 50_000;

    public static int Run(string root, TextWriter output)
    {
        var folder = Path.Combine(root, "bench", "out", "advisory-import");
        Directory.CreateDirectory(folder);
        var archive = Path.Combine(folder, "all.zip");
        if (!File.Exists(archive)) WriteArchive(archive);
        output.WriteLine($"suite: advisory-import ({Records:N0} generated OSV records in {new FileInfo(archive).Length / 1e6:N1} MB of all.zip)");

        var problems = new ProblemLog();
        void ReadAll() => _ = OsvArchive.Read(archive, problems).Count();
        Measure(ReadAll);
        var read = Measure(ReadAll);
        if (problems.Count > 0) throw new InvalidOperationException($"the generated archive has problems: {problems.Problems[0]}");
        output.WriteLine($"(a) read the archive          {read.Wall,7:N2} s wall  {read.Cpu,7:N2} s CPU  (the baseline)");

        var path = Path.Combine(folder, "advisories.db");
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
        using (var sqlite = SqliteStore.Open(path))
        {
            Report(output, "SQLite", sqlite, archive, read);
        }

        if (Environment.GetEnvironmentVariable("PIPEWATCH_BENCH_POSTGRES") is { Length: > 0 } location)
        {
            using var postgres = StoreFactory.Open(location);
            var tables = (ISharedTables)postgres;
            using (var connection = tables.OpenConnection())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "DELETE FROM advisory_packages; DELETE FROM advisories;";
                command.ExecuteNonQuery();
            }

            Report(output, "PostgreSQL", (IAdvisoryStore)postgres, archive, read);
        }
        else
        {
            output.WriteLine("(PostgreSQL skipped: set PIPEWATCH_BENCH_POSTGRES to a postgres:// store to measure it)");
        }

        output.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()} on {Environment.ProcessorCount} cores");
        return 0;
    }

    private static void Report(TextWriter output, string name, IAdvisoryStore store, string archive, (double Wall, double Cpu) read)
    {
        var problems = new ProblemLog();
        AdvisoryImportResult? result = null;
        foreach (var (label, round) in new[] { ("first import", 0), ("again, unchanged", 1) })
        {
            var took = Measure(() => result = store.ImportAdvisories(OsvArchive.Read(archive, problems), CancellationToken.None));
            output.WriteLine(
                $"({name}) {label,-18} {took.Wall,7:N2} s wall  {took.Cpu,7:N2} s CPU  {took.Cpu / read.Cpu,5:N2}x the read's CPU; "
                + $"{result!.Imported:N0} imported, {result.Packages:N0} package rows, {result.Changes.Count:N0} changes, state {store.AdvisoryState()}");
        }
    }

    private static (double Wall, double Cpu) Measure(Action action)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        action();
        self.Refresh();
        return (clock.Elapsed.TotalSeconds, (self.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Records shaped like GitHub's published OSV ones: aliases, a summary and details, CVSS, one to three affected packages with ranges.</summary>
    private static void WriteArchive(string path)
    {
        var temp = path + ".tmp";
        using (var zip = ZipFile.Open(temp, ZipArchiveMode.Create))
        {
            var random = new Random(23);
            string[] ecosystems = ["npm", "PyPI", "Maven", "Go", "NuGet", "crates.io", "RubyGems"];
            for (var i = 0; i < Records; i++)
            {
                var id = $"GHSA-{i:x4}-{i * 7 % 10000:D4}-bnch";
                var text = new StringBuilder(2048);
                text.Append(CultureInfo.InvariantCulture, $$"""{"schema_version":"1.4.0","id":"{{id}}","modified":"{{new DateTime(2020, 1, 1).AddMinutes(i * 13):yyyy-MM-dd'T'HH:mm:ss'Z'}}","published":"2019-06-01T00:00:00Z",""");
                text.Append(CultureInfo.InvariantCulture, $$"""
                    "aliases":["CVE-2024-{{i:D5}}"],"summary":"Generated advisory {{i}}: improper input validation","details":"{{string.Concat(Enumerable.Repeat("A crafted request lets an attacker read or change data it should not. ", 6))}}",
                    """);
                text.Append("""
                    "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[
                    """);
                var packages = 1 + random.Next(3);
                for (var p = 0; p < packages; p++)
                {
                    var ecosystem = ecosystems[(i + p) % ecosystems.Length];
                    var name = ecosystem == "Maven" ? $"org.example{i % 900}:lib-{(i * 31 + p) % 20000}" : $"lib-{(i * 31 + p) % 20000}";
                    if (p > 0) text.Append(',');
                    text.Append(CultureInfo.InvariantCulture, $$$"""
                        {"package":{"ecosystem":"{{{ecosystem}}}","name":"{{{name}}}"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"{{{1 + (i % 5)}}}.{{{i % 17}}}.{{{p}}}"}]}],"database_specific":{"source":"generated"}}
                        """);
                }

                text.Append("""],"database_specific":{"cwe_ids":["CWE-20"],"severity":"HIGH","github_reviewed":true}}""");
                using var entry = zip.CreateEntry(id + ".json", CompressionLevel.Fastest).Open();
                entry.Write(Encoding.UTF8.GetBytes(text.ToString()));
            }
        }

        File.Move(temp, path, overwrite: true);
    }
}
