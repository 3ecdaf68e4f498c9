using System.Diagnostics;
using System.Text;
using PipeWatch.Baselines;
using PipeWatch.Detectors;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Detectors.ThreatIntel;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Intel;
using PipeWatch.Sources;
using PipeWatch.Sources.Artifacts;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Bench;

/// <summary>
/// Issue 17: N indicators imported into a store (time and store size); job logs matched against them, as the log secret scan
/// alone and as the secret scan plus the two intel detectors, over the same in-memory sections (target: intel adds at most 25%);
/// an artifact folder hashed by <see cref="ArtifactSource"/> and by <c>sha256sum</c> (target: within 1.2x).
/// </summary>
internal static class IntelBenchmark
{
    public const double LogTarget = 1.25;
    public const double HashTarget = 1.2;

    public static async Task<int> RunAsync(string root, long indicators, long megabytes, int rounds, TextWriter output)
    {
        var folder = Directory.CreateDirectory(Path.Combine(root, "bench", "out", "intel")).FullName;
        output.WriteLine($"suite: intel ({indicators:N0} indicators, {megabytes} MB of job logs; targets: logs <= {LogTarget:N2}x the secret scan alone, artifacts <= {HashTarget:N1}x sha256sum)");
        output.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}, .NET {Environment.Version}");

        // 1. Import.
        var feed = Path.Combine(folder, "indicators.csv");
        WriteFeed(feed, indicators);
        var store = Path.Combine(folder, "intel.db");
        foreach (var f in new[] { store, store + "-wal", store + "-shm" }) File.Delete(f);
        var watch = Stopwatch.StartNew();
        var reading = IntelFeeds.ReadFile(feed, null, null, new ProblemLog());
        var read = watch.Elapsed;
        IndicatorIndex index;
        var loaded = DateTimeOffset.UtcNow;
        using (var opened = SqliteStore.Open(store))
        {
            opened.ImportIndicators(reading, DateTimeOffset.UtcNow, TimeSpan.FromDays(90), CancellationToken.None);
            var imported = watch.Elapsed;
            watch.Restart();
            index = ExfilServices.With(opened.ReadIndicators(), loaded);
            output.WriteLine($"import: {reading.Indicators.Count:N0} indicators read in {read.TotalSeconds:N1} s, stored in {(imported - read).TotalSeconds:N1} s; " +
                $"index loaded in {watch.Elapsed.TotalSeconds:N1} s ({index.Count:N0} values)");
        }

        output.WriteLine($"store: {new FileInfo(store).Length / 1e6:N1} MB (+ WAL {(File.Exists(store + "-wal") ? new FileInfo(store + "-wal").Length / 1e6 : 0):N1} MB)");

        // 2. Job logs: the secret scan alone, then with the intel detectors, alternately.
        var sections = Logs(megabytes * 1_000_000, reading.Indicators.Take(50).ToList());
        var secret = new SecretExposedInLogDetector();
        IDetector[] intel = [new C2ContactDetector(index), new MaliciousHashDetector(index)];
        var findings = new List<string>();
        var context = new DetectionContext(new BaselineSet("bench", new NoStorage()), TimeProvider.System, f => findings.Add(f.Fingerprint));
        foreach (var e in sections.Take(50))
        {
            secret.Inspect(e, context);
            foreach (var d in intel) d.Inspect(e, context);
        }

        var alone = new List<double>();
        var with = new List<double>();
        List<string> found = [];
        for (var round = 0; round < rounds; round++)
        {
            alone.Add(Cpu(() => { foreach (var e in sections) secret.Inspect(e, context); }));
            findings.Clear();
            var extra = Cpu(() => { foreach (var e in sections) foreach (var d in intel) d.Inspect(e, context); });
            with.Add(alone[^1] + extra);
            found = [.. findings];
        }

        var logRatio = Median(with) / Median(alone);
        output.WriteLine($"logs: {sections.Count:N0} sections; secret scan alone {Median(alone):N2} s CPU, with intel matching {Median(with):N2} s CPU (median of {rounds}); " +
            $"{found.Count:N0} intel findings per pass; ratio {logRatio:N2}x {(logRatio <= LogTarget ? "MET" : "SHORT OF")} <= {LogTarget:N2}x");

        // 3. Artifacts: ArtifactSource (SHA-256 only, and all three) against sha256sum over the same files.
        var artifacts = Path.Combine(folder, "artifacts");
        WriteArtifacts(artifacts, megabytes);
        await Hash(artifacts, ArtifactHashes.Sha256);
        var sums = new List<double>();
        var ours = new List<double>();
        var all = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            sums.Add(Sha256Sum(artifacts));
            ours.Add(await Hash(artifacts, ArtifactHashes.Sha256));
            all.Add(await Hash(artifacts, ArtifactHashes.All));
        }

        var hashRatio = Median(ours) / Median(sums);
        output.WriteLine($"artifacts: {Directory.GetFiles(artifacts).Length} files, {Directory.GetFiles(artifacts).Sum(f => new FileInfo(f).Length) / 1e6:N0} MB; sha256sum {Median(sums):N2} s, " +
            $"ArtifactSource SHA-256 {Median(ours):N2} s, all three hashes {Median(all):N2} s (medians of {rounds}, wall); ratio {hashRatio:N2}x {(hashRatio <= HashTarget ? "MET" : "SHORT OF")} <= {HashTarget:N1}x");
        return 0;
    }

    private static void WriteFeed(string path, long count)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.WriteLine("type,value,description,confidence");
        var random = new Random(17);
        Span<byte> bytes = stackalloc byte[32];
        for (long i = 0; i < count; i++)
        {
            switch (i % 4)
            {
                case 0:
                    random.NextBytes(bytes);
                    writer.WriteLine($"sha256,{Convert.ToHexStringLower(bytes)},sample {i},80");
                    break;
                case 1:
                    writer.WriteLine($"domain,c{i:x}.{(char)('a' + (i % 26))}bad-{i % 9973}.example,c2 {i},70");
                    break;
                case 2:
                    writer.WriteLine($"ip,{10 + (i % 200)}.{(i >> 8) & 255}.{i & 255}.{(i >> 16) & 255},scanner,60");
                    break;
                default:
                    writer.WriteLine($"url,https://drop{i % 50000}.bad-{i % 9973}.example/p/{i},payload,90");
                    break;
            }
        }
    }

    // Build-log-like sections of 200 lines: npm/dotnet/docker output with URLs, hosts, addresses and digests; a few hit indicators.
    private static List<Event> Logs(long bytes, List<Indicator> hits)
    {
        string[] lines =
        [
            "npm http fetch GET 200 https://registry.npmjs.org/@babel%2fcore 18ms (cache revalidated)",
            "  Restored /home/runner/work/api/api/src/Api/Api.csproj (in 412 ms).",
            "#12 [build 4/9] RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl",
            "#12 0.512 Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]",
            "#15 pushing layer sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1 1.2s done",
            "  Determining projects to restore...",
            "Connecting to github.com (github.com)|140.82.112.3|:443... connected.",
            "PASS src/services/payment.test.ts (5.123 s)",
            "warning: in the working copy of 'package-lock.json', LF will be replaced by CRLF",
            "Downloading https://github.com/actions/runner/releases/download/v2.321.0/actions-runner-linux-x64-2.321.0.tar.gz",
            "   Compiling serde_json v1.0.133",
            "10.0.3.17 - - [01/Dec/2026:10:00:01 +0000] \"GET /healthz HTTP/1.1\" 200 2",
        ];
        var sections = new List<Event>();
        var text = new StringBuilder();
        long total = 0;
        var n = 0;
        while (total < bytes)
        {
            text.Clear();
            for (var i = 0; i < 200; i++, n++)
            {
                var line = n % 50_000 == 49_999 && hits.Count > 0 ? $"curl -sS {Use(hits[n / 50_000 % hits.Count])}" : lines[n % lines.Length];
                text.Append(line).Append('\n');
                total += line.Length + 1;
            }

            sections.Add(new Event
            {
                Kind = EventKind.JobLog,
                Id = $"log:{sections.Count}",
                Timestamp = DateTimeOffset.UnixEpoch,
                Dataset = "github.log",
                Ci = new CiContext("acme/api", "CI", "1", Job: "build"),
                Origin = new Origin("bench.log"),
                Log = new LogSection("Build", 1 + (sections.Count * 200), text.ToString()),
            });
        }

        return sections;
    }

    private static string Use(Indicator indicator) => indicator.Kind switch
    {
        IndicatorKind.Domain => $"https://x.{indicator.Value}/a",
        IndicatorKind.Url => indicator.Value,
        _ => indicator.Value,
    };

    private static void WriteArtifacts(string folder, long megabytes)
    {
        if (Directory.Exists(folder) && Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length) >= megabytes * 1_000_000) return;
        Directory.CreateDirectory(folder);
        var random = new Random(3);
        var buffer = new byte[4 << 20];
        for (var i = 0; i < Math.Max(1, megabytes / 4); i++)
        {
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(folder, $"blob-{i:D4}.bin"), buffer);
        }
    }

    private static async Task<double> Hash(string folder, ArtifactHashes hashes)
    {
        var watch = Stopwatch.StartNew();
        var count = 0;
        await foreach (var _ in new ArtifactSource(folder, hashes).ReadAsync(new SourceContext(new ProblemLog()), CancellationToken.None)) count++;
        return watch.Elapsed.TotalSeconds;
    }

    private static double Sha256Sum(string folder)
    {
        var start = new ProcessStartInfo("sha256sum") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal)) start.ArgumentList.Add(file);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Cpu(Action action)
    {
        var start = Process.GetCurrentProcess().TotalProcessorTime;
        action();
        return (Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed class NoStorage : IBaselineStorage
    {
        public StoredBaseline? LoadBaseline(string key) => null;

        public void SaveBaseline(string key, byte version, byte[] data)
        {
        }
    }
}
