using System.Diagnostics;
using System.Globalization;
using System.Text;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Sinks;
using PipeWatch.Sources.Git;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Bench;

/// <summary>The deps suite (issue 5): matching a 5,000-package lockfile against ≥ 200,000 advisories in the store, as a ratio to reading the lockfile; and a whole scan of a repository with that lockfile.</summary>
/// <remarks>
/// Stages, each the median of several rounds: (a) parse the package-lock.json (the baseline), (b) match its packages against
/// a freshly opened store index (no warm cache). Target: (b) adds less than 50% to (a). Then the real scan engine with every
/// built-in detector over a git repository of three commits whose lockfile has the 5,000 packages: target under one second.
/// </remarks>
internal static class DependencyMatchBenchmark
{
    private const int Packages = 5_000;
    private const int Advisories = 200_000;
    private const int Rounds = 7;

    public static async Task<int> RunAsync(string root, TextWriter output)
    {
        var folder = Path.Combine(root, "bench", "out", "deps");
        Directory.CreateDirectory(folder);
        output.WriteLine($"suite: deps ({Packages:N0} npm packages, {Advisories:N0} advisories; targets: matching < 1.5x reading, whole scan < 1 s)");
        var lockfile = Lockfile();
        var parser = new NpmPackageLockParser();
        IReadOnlyList<Dependency> dependencies = [];
        var read = Median(() => dependencies = parser.Parse("package-lock.json", lockfile).Dependencies);
        output.WriteLine($"(a) read lockfile       {read,9:N1} ms  {dependencies.Count:N0} packages");

        // Worst case: every package of the lockfile is named by 5 advisories. Typical: 2% of them are named at all (100 packages).
        SqliteStore? worst = null;
        foreach (var (label, names, overlap) in new[] { ("worst", 40_000, Packages), ("typical", 200_000, Packages / 50) })
        {
            var storePath = Path.Combine(folder, $"advisories-{label}.db");
            if (File.Exists(storePath)) File.Delete(storePath);
            var store = SqliteStore.Open(storePath);
            var import = Stopwatch.StartNew();
            store.ImportAdvisories(Generate(names, overlap), CancellationToken.None);
            var matches = 0;
            var match = Median(() =>
            {
                using var index = store.OpenAdvisoryIndex();
                matches = VulnerabilityMatcher.Match(dependencies, index).Count;
            });
            output.WriteLine($"(b) match, {label,-8} {match,9:N1} ms  {matches:N0} vulnerable; {store.AdvisoryCount():N0} advisories over {names:N0} names, imported in {import.Elapsed.TotalSeconds:N1} s; "
                + $"matching adds {match / read:N2}x the read (target < 0.50x)");
            if (worst is null) worst = store;
            else store.Dispose();
        }

        using var scanStore = worst!;
        var scan = await ScanAsync(folder, lockfile, scanStore);
        output.WriteLine($"(c) whole scan         {scan,9:N1} ms  3 commits, every built-in detector (target < 1000 ms)");
        output.WriteLine($"load: {Environment.ProcessorCount} cores; numbers are noisy when other work shares the machine, the ratio less so");
        return 0;
    }

    private static async Task<double> ScanAsync(string folder, string lockfile, SqliteStore store)
    {
        var repo = Path.Combine(folder, "repo");
        if (Directory.Exists(repo)) Directory.Delete(repo, recursive: true);
        Directory.CreateDirectory(repo);
        Git(repo, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(repo, "package.json"), "{\"name\":\"shop\",\"dependencies\":{\"pkg-0\":\"*\"}}\n");
        File.WriteAllText(Path.Combine(repo, "package-lock.json"), lockfile);
        Commit(repo, "lockfile");
        File.WriteAllText(Path.Combine(repo, "package-lock.json"), lockfile.Replace("\"version\": \"1.0.1\"", "\"version\": \"1.0.2\"", StringComparison.Ordinal));
        Commit(repo, "bump");
        File.WriteAllText(Path.Combine(repo, "README.md"), "shop\n");
        Commit(repo, "readme");
        var timing = Median(() =>
        {
            using var index = store.OpenAdvisoryIndex();
            var problems = new ProblemLog();
            var engine = new PipelineBuilder().WithAdvisories(index).WithProblems(problems).AddSink(new CollectingSink()).BuildScan();
            using var source = new GitHistorySource(GitRepository.Open(repo), GitSelection.Default);
            engine.RunAsync(source, null, CancellationToken.None).GetAwaiter().GetResult();
        }, rounds: 3);
        await Task.CompletedTask;
        return timing;
    }

    private static void Commit(string repo, string message)
    {
        Git(repo, "add", "-A");
        Git(repo, "-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", message);
    }

    private static void Git(string repo, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    private static double Median(Action action, int rounds = Rounds)
    {
        action();
        var times = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>A package-lock.json v3 of 5,000 packages, each requiring the next few, as npm writes it.</summary>
    private static string Lockfile()
    {
        var text = new StringBuilder("{\n  \"name\": \"shop\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"dependencies\": {\n        \"pkg-0\": \"*\"\n      }\n    }");
        for (var i = 0; i < Packages; i++)
        {
            var version = $"1.0.{i % 7}";
            text.Append(CultureInfo.InvariantCulture, $",\n    \"node_modules/pkg-{i}\": {{\n      \"version\": \"{version}\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-{version}.tgz\",\n      \"integrity\": \"sha512-{Convert.ToBase64String(BitConverter.GetBytes((long)i * 7919))}\"");
            if (i + 1 < Packages) text.Append(CultureInfo.InvariantCulture, $",\n      \"dependencies\": {{\n        \"pkg-{i + 1}\": \"^1.0.0\"\n      }}");
            text.Append("\n    }");
        }

        return text.Append("\n  }\n}\n").ToString();
    }

    /// <summary>200,000 advisories spread evenly over <paramref name="names"/> npm names, of which the first <paramref name="overlap"/> are the lockfile's.</summary>
    private static IEnumerable<Advisory> Generate(int names, int overlap)
    {
        for (var i = 0; i < Advisories; i++)
        {
            var n = i % names;
            var name = n < overlap ? $"pkg-{n}" : $"other-{n}";
            var fixedAt = $"1.0.{i % 5}";
            yield return new Advisory(
                $"BENCH-{i:D6}", [$"CVE-2026-{i:D6}"], "generated", DateTimeOffset.UnixEpoch, Findings.Severity.Medium, null, null, false,
                [new AffectedPackage(Ecosystems.Npm, name, [new AffectedRange("SEMVER", [new RangeEvent(RangeEventKind.Introduced, "0"), new RangeEvent(RangeEventKind.Fixed, fixedAt)])], [])]);
        }
    }
}
