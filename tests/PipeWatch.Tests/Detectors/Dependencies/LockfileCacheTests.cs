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

        warm.Warm(first, reads);
        warm.Warm(second, reads);
        Assert.Equal(2, reads.Count); // the second commit's "before" is the first one's "after"

        var file = second.Files[0];
        Assert.Equal(Text(cold.Read(parser, file.Path, file.NewBlob, _history, second.Sha)), Text(warm.Read(parser, file.Path, file.NewBlob, reads, second.Sha)));
        Assert.Equal(Text(cold.Read(parser, file.Path, file.OldBlob, _history, second.Sha)), Text(warm.Read(parser, file.Path, file.OldBlob, reads, second.Sha)));
        Assert.Equal(2, reads.Count);
        Assert.Equal(["express@4.18.3", "ms@2.0.0"], warm.Read(parser, file.Path, file.NewBlob, reads, second.Sha).Select(d => $"{d.Name}@{d.Version}"));
    }

    [Fact]
    public void A_file_that_does_not_parse_is_reported_once_naming_the_commit_that_reads_it_not_the_warming()
    {
        var broken = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", "{ \"lockfileVersion\": 3, \"packages\": "));
        var problems = new ProblemLog();
        var cache = new LockfileCache(problems);
        var parser = LockfileParsers.For("package-lock.json")!;
        var file = broken.Files[0];

        cache.Warm(broken, _history);
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

    private static List<string> Text(IReadOnlyList<PipeWatch.Dependencies.Dependency> found) =>
        [.. found.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Source}|{d.Integrity}|{d.Line}")];

    private sealed class CountingHistory(CommitHistory history) : PipeWatch.Sources.Git.IBlobReader
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public string? ReadText(string blobId)
        {
            Interlocked.Increment(ref _count);
            return history.ReadText(blobId);
        }
    }
}
