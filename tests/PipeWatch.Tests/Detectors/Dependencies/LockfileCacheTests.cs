using PipeWatch.Dependencies.Parsers;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

public sealed class LockfileCacheTests
{
    private readonly CommitHistory _history = new();

    [Fact]
    public void A_file_warmed_on_a_worker_reads_as_the_same_parse_and_is_not_parsed_again()
    {
        var first = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.18.2", Direct: true), new NpmEntry("ms", "2.0.0"))));
        var second = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.18.3", Direct: true), new NpmEntry("ms", "2.0.0"))));
        var reads = new CountingHistory(_history);
        var cold = new LockfileCache(new ProblemLog());
        var warm = new LockfileCache(new ProblemLog());
        var parser = LockfileParsers.For("package-lock.json")!;

        warm.Prepare(first, reads);
        warm.Prepare(second, reads);
        Assert.Equal(2, reads.Count); // the second commit's "before" is the first one's "after"

        var file = second.Files[0];
        Assert.Equal(Text(cold.Read(parser, file.Path, file.NewBlob, _history, second.Sha)), Text(warm.Read(parser, file.Path, file.NewBlob, reads, second.Sha)));
        Assert.Equal(Text(cold.Read(parser, file.Path, file.OldBlob, _history, second.Sha)), Text(warm.Read(parser, file.Path, file.OldBlob, reads, second.Sha)));
        Assert.Equal(2, reads.Count);
        Assert.Equal(["express@4.18.3", "ms@2.0.0"], warm.Read(parser, file.Path, file.NewBlob, reads, second.Sha).Select(d => $"{d.Name}@{d.Version}"));
    }

    [Fact]
    public void A_lockfiles_manifest_is_read_and_hashed_when_its_commit_is_prepared()
    {
        var manifest = "{ \"dependencies\": { \"express\": \"^4.18.2\" } }\n";
        var commit = _history.Commit("Dana Dev <dana@example.com>", ("package.json", manifest), ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.18.2", Direct: true))));
        var reads = new CountingHistory(_history);
        var cache = new LockfileCache(new ProblemLog());

        var prepared = cache.Prepare(commit, reads);

        // On the preparation worker, just after the scan read it ahead, not later on the detectors' thread.
        Assert.Equal(1, reads.Manifests);
        Assert.NotNull(prepared);
        Assert.True(prepared.TryGetManifestHash("package-lock.json", out var hash));
        Assert.NotNull(hash);
        Assert.Equal(DependencyChanges.ManifestHash(commit, "package-lock.json", _history), hash);
        Assert.False(prepared.TryGetManifestHash("package.json", out _));
    }

    [Fact]
    public void The_manifest_hash_changes_with_the_manifests_text_and_comes_back_with_it()
    {
        var lockfile = ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.18.2", Direct: true)));
        var first = _history.Commit("Dana Dev <dana@example.com>", ("package.json", "{ \"dependencies\": { \"express\": \"^4.18.2\" } }\n"), lockfile);
        var edited = _history.Commit("Dana Dev <dana@example.com>", ("package.json", "{ \"dependencies\": { \"express\": \"^4.18.3\" } }\n"));
        var back = _history.Commit("Dana Dev <dana@example.com>", ("package.json", "{ \"dependencies\": { \"express\": \"^4.18.2\" } }\n"));
        var alone = new CommitHistory();
        var without = alone.Commit("Dana Dev <dana@example.com>", lockfile);

        var hashes = new[] { first, edited, back }.Select(c => DependencyChanges.ManifestHash(c, "package-lock.json", _history)).ToList();

        Assert.All(hashes, h => Assert.NotNull(h));
        Assert.NotEqual(hashes[0], hashes[1]);
        Assert.Equal(hashes[0], hashes[2]);
        Assert.Null(DependencyChanges.ManifestHash(without, "package-lock.json", alone));
    }

    [Fact]
    public void A_file_that_does_not_parse_is_reported_once_naming_the_commit_that_reads_it_not_the_warming()
    {
        var broken = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", "{ \"lockfileVersion\": 3, \"packages\": "));
        var problems = new ProblemLog();
        var cache = new LockfileCache(problems);
        var parser = LockfileParsers.For("package-lock.json")!;
        var file = broken.Files[0];

        cache.Prepare(broken, _history);
        Assert.Empty(problems.Problems);

        Assert.Empty(cache.Read(parser, file.Path, file.NewBlob, _history, broken.Sha));
        Assert.Empty(cache.Read(parser, file.Path, file.NewBlob, _history, "ffffffffffffffff"));

        var problem = Assert.Single(problems.Problems);
        Assert.Equal($"package-lock.json (commit {broken.Sha[..12]})", problem.File);
    }

    [Fact]
    public void Past_its_capacity_the_least_recently_read_file_is_parsed_again()
    {
        var reads = new CountingHistory(_history);
        var cache = new LockfileCache(new ProblemLog());
        var parser = LockfileParsers.For("requirements.txt")!;
        var commits = Enumerable.Range(0, LockfileCache.Capacity + 1)
            .Select(i => _history.Commit("Dana Dev <dana@example.com>", ("requirements.txt", $"pkg{i}==1.0.{i}\n")))
            .ToList();
        string Blob(int i) => commits[i].Files[0].NewBlob!;

        cache.Read(parser, "requirements.txt", Blob(0), reads, null);
        for (var i = 1; i <= LockfileCache.Capacity; i++)
        {
            cache.Read(parser, "requirements.txt", Blob(i), reads, null);
            if (i == 1) cache.Read(parser, "requirements.txt", Blob(0), reads, null); // 0 used again: 1 is now the oldest
        }

        Assert.Equal(LockfileCache.Capacity + 1, reads.Count);
        cache.Read(parser, "requirements.txt", Blob(0), reads, null);
        Assert.Equal(LockfileCache.Capacity + 1, reads.Count);
        Assert.Equal("pkg1", Assert.Single(cache.Read(parser, "requirements.txt", Blob(1), reads, null)).Name);
        Assert.Equal(LockfileCache.Capacity + 2, reads.Count);
    }

    [Fact]
    public void Past_its_package_bound_the_least_recently_read_versions_are_parsed_again_and_the_latest_are_held()
    {
        // Versions of one large lockfile, each a fifth of the bound: the five most recently read fit, the sixth pushes out the oldest.
        const int PerVersion = LockfileCache.MaxDependencies / 5;
        var reads = new CountingHistory(_history);
        var cache = new LockfileCache(new ProblemLog());
        var parser = LockfileParsers.For("requirements.txt")!;
        var commits = Enumerable.Range(0, 6)
            .Select(v => _history.Commit("Dana Dev <dana@example.com>", ("requirements.txt", string.Concat(Enumerable.Range(0, PerVersion).Select(i => $"pkg{i}==1.{v}.{i}\n")))))
            .ToList();
        string Blob(int v) => commits[v].Files[0].NewBlob!;

        for (var v = 0; v < 5; v++) Assert.Equal(PerVersion, cache.Read(parser, "requirements.txt", Blob(v), reads, null).Count);
        Assert.Equal(5, reads.Count);
        cache.Read(parser, "requirements.txt", Blob(0), reads, null); // held: 1 is now the least recently read
        Assert.Equal(5, reads.Count);

        Assert.Equal("1.5.0", cache.Read(parser, "requirements.txt", Blob(5), reads, null)[0].Version);
        Assert.Equal(6, reads.Count);
        cache.Read(parser, "requirements.txt", Blob(0), reads, null);
        cache.Read(parser, "requirements.txt", Blob(5), reads, null);
        Assert.Equal(6, reads.Count);
        Assert.Equal("1.1.0", cache.Read(parser, "requirements.txt", Blob(1), reads, null)[0].Version);
        Assert.Equal(7, reads.Count);
    }

    [Fact]
    public void A_file_prepared_for_a_commit_is_read_from_what_was_prepared_even_after_the_cache_dropped_it()
    {
        var commit = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.18.2", Direct: true))));
        var reads = new CountingHistory(_history);
        var cache = new LockfileCache(new ProblemLog());
        var npm = LockfileParsers.For("package-lock.json")!;
        var requirements = LockfileParsers.For("requirements.txt")!;

        var prepared = cache.Prepare(commit, reads);
        Assert.NotNull(prepared);
        Assert.Same(prepared, cache.Prepare(commit, reads)); // the next dependency detector preparing the same commit
        Assert.Equal(1, reads.Count);
        // Later commits' files push it out of the cache (its least recently used end) before the detectors reach this commit.
        for (var i = 0; i < LockfileCache.Capacity; i++)
        {
            var later = _history.Commit("Dana Dev <dana@example.com>", ("requirements.txt", $"pkg{i}==1.0.{i}\n"));
            cache.Read(requirements, "requirements.txt", later.Files[0].NewBlob, reads, null);
        }

        var file = commit.Files[0];
        var found = cache.Read(npm, file.Path, file.NewBlob, reads, commit.Sha, prepared, out var unreadable);
        Assert.False(unreadable);
        Assert.Equal(["express@4.18.2"], found.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(1 + LockfileCache.Capacity, reads.Count);
        Assert.Equal(1, cache.Parses.Ahead);
        Assert.Equal(LockfileCache.Capacity, cache.Parses.Inline);

        // Without what was prepared it is parsed again, on the detectors' thread.
        cache.Read(npm, file.Path, file.NewBlob, reads, commit.Sha);
        Assert.Equal(2 + LockfileCache.Capacity, reads.Count);
        Assert.Equal(1, cache.Parses.Ahead);
        Assert.Equal(1 + LockfileCache.Capacity, cache.Parses.Inline);
    }

    [Fact]
    public async Task Two_workers_preparing_commits_that_share_a_blob_parse_it_once()
    {
        var first = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.18.2", Direct: true))));
        var second = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.18.3", Direct: true))));
        var shared = first.Files[0].NewBlob!;
        Assert.Equal(shared, second.Files[0].OldBlob);
        // The shared blob's read waits until a second read of it starts, or 3 s: a cache that let both workers parse it fails.
        var reads = new GatedHistory(_history, shared);
        var cache = new LockfileCache(new ProblemLog());

        var ct = TestContext.Current.CancellationToken;
        var a = Task.Run(() => cache.Prepare(first, reads), ct);
        Assert.True(reads.Started.Wait(TimeSpan.FromSeconds(10), ct));
        var b = Task.Run(() => cache.Prepare(second, reads), ct);
        var (fromA, fromB) = (await a, await b);

        Assert.Equal(1, reads.ReadsOf(shared));
        Assert.Equal(2, reads.Count); // the first commit adds the file: two versions in all
        Assert.Equal(2, cache.Parses.Ahead);
        var npm = LockfileParsers.For("package-lock.json")!;
        Assert.Same(
            cache.Read(npm, "package-lock.json", shared, reads, first.Sha, fromA, out _),
            cache.Read(npm, "package-lock.json", shared, reads, second.Sha, fromB, out _));
    }

    private static List<string> Text(IReadOnlyList<PipeWatch.Dependencies.Dependency> found) =>
        [.. found.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Source}|{d.Integrity}|{d.Line}")];

    private sealed class CountingHistory(CommitHistory history) : PipeWatch.Sources.Git.IBlobReader
    {
        private int _count, _manifests;

        /// <summary>Blobs read by id.</summary>
        public int Count => Volatile.Read(ref _count);

        /// <summary>Files read by commit and path (<c>commit:path</c>: the manifests beside a lockfile).</summary>
        public int Manifests => Volatile.Read(ref _manifests);

        public string? ReadText(string blobId)
        {
            Interlocked.Increment(ref blobId.Contains(':', StringComparison.Ordinal) ? ref _manifests : ref _count);
            return history.ReadText(blobId);
        }
    }

    private sealed class GatedHistory(CommitHistory history, string gated) : PipeWatch.Sources.Git.IBlobReader
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _reads = [];
        private readonly ManualResetEventSlim _second = new();

        public ManualResetEventSlim Started { get; } = new();

        /// <summary>Blobs read by id (not the manifests read by <c>commit:path</c>).</summary>
        public int Count
        {
            get
            {
                lock (_gate) return _reads.Where(r => !r.Key.Contains(':', StringComparison.Ordinal)).Sum(r => r.Value);
            }
        }

        public int ReadsOf(string blob)
        {
            lock (_gate) return _reads.GetValueOrDefault(blob);
        }

        public string? ReadText(string blobId)
        {
            int n;
            lock (_gate) n = _reads[blobId] = _reads.GetValueOrDefault(blobId) + 1;
            if (blobId == gated)
            {
                if (n == 1)
                {
                    Started.Set();
                    _second.Wait(TimeSpan.FromSeconds(3));
                }
                else
                {
                    _second.Set();
                }
            }

            return history.ReadText(blobId);
        }
    }
}
