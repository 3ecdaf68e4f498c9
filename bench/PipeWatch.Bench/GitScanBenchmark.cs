using System.Diagnostics;
using LibGit2Sharp;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Engine;
using PipeWatch.Sinks;
using PipeWatch.Sources.Git;

namespace PipeWatch.Bench;

/// <summary>
/// Issue 3's benchmark (a): a full-history <c>scan</c> of a generated repository against the raw cost of <c>git log -p -U0</c>
/// over the same history, in the same run; plus a LibGit2Sharp patch walk over the newest commits against git log over the
/// same commits, the measurement behind reading git through a streamed <c>git log</c>.
/// </summary>
internal static class GitScanBenchmark
{
    /// <summary>The issue's target: the whole scan within this factor of the raw git log.</summary>
    public const double TargetRatio = 1.3;

    private const int Rounds = 3;

    public static async Task<int> RunAsync(string root, int commits, int libgit2Commits, TextWriter output)
    {
        var repo = GitHistoryGenerator.Ensure(Path.Combine(root, "bench", "out", "git-history"), commits, output);
        var repository = GitRepository.Open(repo);
        output.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}, .NET {Environment.Version}");

        // Warm-up: the pack files into the page cache, the scan's code through the JIT.
        RawGitLog(repository, ["HEAD"]);
        await ScanAsync(repository, new GitSelection(Range: "HEAD~200..HEAD"), Environment.ProcessorCount);

        // The machine is shared: the stages run in alternating rounds and each reports its median round, wall and CPU
        // (this process plus the git processes it waited for), so that a burst of someone else's load hits all stages alike.
        var rounds = new List<Result>[4];
        for (var i = 0; i < rounds.Length; i++) rounds[i] = [];
        for (var round = 0; round < Rounds; round++)
        {
            rounds[0].Add(Measure(() => (RawGitLog(repository, ["HEAD"]), 0L)));
            rounds[1].Add(Measure(() => (ReadOnly(repository), 0L)));
            rounds[2].Add(Measure(() => ScanAsync(repository, GitSelection.Default, Environment.ProcessorCount).GetAwaiter().GetResult()));
            rounds[3].Add(Measure(() => ScanAsync(repository, GitSelection.Default, 1).GetAwaiter().GetResult()));
        }

        var raw = Median(rounds[0]);
        var scan = Median(rounds[2]);
        output.WriteLine();
        output.WriteLine($"median of {Rounds} alternating rounds; CPU s = this process + its git children");
        output.WriteLine("stage                                   seconds    MB/s   commits/s   CPU s   × raw  CPU × raw  findings");
        Print(output, "(a) raw git log -p -U0 --raw", raw, raw, commits);
        Print(output, "(a1) reader only: parse into commits", Median(rounds[1]), raw, commits);
        Print(output, $"(b) pipewatch scan, {Environment.ProcessorCount} workers", scan, raw, commits);
        Print(output, "(c) pipewatch scan, 1 worker", Median(rounds[3]), raw, commits);

        output.WriteLine();
        var newest = $"--max-count={libgit2Commits}";
        var rawNewest = Measure(() => (RawGitLog(repository, [newest, "HEAD"]), 0L));
        Print(output, $"(d) raw git log, newest {libgit2Commits:N0}", rawNewest, rawNewest, libgit2Commits);
        var walk = Measure(() => (LibGit2SharpPatchWalk(repo, libgit2Commits), 0L));
        Print(output, $"(e) LibGit2Sharp patches, newest {libgit2Commits:N0}", walk, rawNewest, libgit2Commits);

        var ratio = scan.Seconds / raw.Seconds;
        output.WriteLine();
        output.WriteLine($"verdict: full-history scan {ratio:N2}x the raw git log in wall time, {scan.Cpu / raw.Cpu:N2}x in CPU time " +
            $"({(ratio <= TargetRatio ? "MEETS" : "MISSES")} the <= {TargetRatio}x target); " +
            $"LibGit2Sharp patch walk {walk.Seconds / rawNewest.Seconds:N1}x the raw git log over the same commits");
        return 0;
    }

    // git log with exactly the scan's arguments, its output read and dropped: the floor any git-based scan pays.
    private static long RawGitLog(GitRepository repository, string[] revisions)
    {
        using var process = repository.Start([.. GitHistorySource.LogArguments, .. revisions, "--"]);
        _ = process.StandardError.ReadToEndAsync();
        var buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while ((read = process.StandardOutput.BaseStream.Read(buffer)) > 0) total += read;
        process.WaitForExit();
        return total;
    }

    // The git reader alone: git log parsed into GitCommit records, no detector.
    private static long ReadOnly(GitRepository repository)
    {
        using var source = new GitHistorySource(repository, GitSelection.Default);
        long files = 0;
        foreach (var item in source.Read(CancellationToken.None)) files += item.Commit.Files.Count;
        return source.BytesRead + (files * 0);
    }

    private static async Task<(long Bytes, long Findings)> ScanAsync(GitRepository repository, GitSelection selection, int workers)
    {
        var sink = new CollectingSink();
        using var source = new GitHistorySource(repository, selection);
        var engine = new PipelineBuilder()
            .WithTime(new FakeTimeProvider(DateTimeOffset.UnixEpoch))
            .WithScanOptions(new ScanOptions { Workers = workers })
            .AddSink(sink)
            .BuildScan();
        var summary = await engine.RunAsync(source, null, CancellationToken.None);
        return (summary.BytesRead, summary.Findings);
    }

    // Each of the newest commits diffed against its first parent with rename detection and no context, the patch text read whole.
    private static long LibGit2SharpPatchWalk(string path, int count)
    {
        using var repo = new Repository(path);
        var options = new CompareOptions { ContextLines = 0, Similarity = SimilarityOptions.Renames };
        long bytes = 0;
        foreach (var commit in repo.Commits.QueryBy(new CommitFilter { SortBy = CommitSortStrategies.Time }).Take(count))
        {
            var parent = commit.Parents.FirstOrDefault();
            using var patch = repo.Diff.Compare<Patch>(parent?.Tree, commit.Tree, options);
            bytes += patch.Content.Length;
        }

        return bytes;
    }

    private static Result Measure(Func<(long Bytes, long Findings)> run)
    {
        var cpu = Cpu();
        var clock = Stopwatch.StartNew();
        var (bytes, findings) = run();
        var seconds = clock.Elapsed.TotalSeconds;
        return new Result(seconds, bytes, findings, Cpu() - cpu);
    }

    private static Result Median(List<Result> results) => results.OrderBy(r => r.Seconds).ElementAt(results.Count / 2);

    // CPU seconds of this process and of the children it has waited for (utime, stime, cutime, cstime of /proc/self/stat).
    private static double Cpu()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = fields[11..15].Sum(f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture));
            return ticks / 100.0;
        }
        catch (IOException)
        {
            return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        }
    }

    private static void Print(TextWriter output, string name, Result r, Result raw, int commits) =>
        output.WriteLine($"{name,-38} {r.Seconds,8:N2} {r.Bytes / 1e6 / r.Seconds,7:N0} {commits / r.Seconds,11:N0} {r.Cpu,7:N2} {r.Seconds / raw.Seconds,7:N2} {r.Cpu / raw.Cpu,10:N2} {r.Findings,9:N0}");

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private sealed record Result(double Seconds, long Bytes, long Findings, double Cpu);
}
