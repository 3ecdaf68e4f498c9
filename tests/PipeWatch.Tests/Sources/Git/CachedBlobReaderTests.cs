using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

public sealed class CachedBlobReaderTests : IDisposable
{
    private readonly TestRepository _repo = new();

    [Fact]
    public void Git_answers_a_batch_of_ids_in_order_as_it_answers_each_one()
    {
        // 300 blobs: more than one pipelined batch (256), with a binary blob, a missing id and an invalid one among them.
        for (var i = 0; i < 300; i++) _repo.Write($"f{i:D3}.txt", $"file {i}\n");
        _repo.WriteBytes("logo.png", [0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]).Commit("many");
        List<string> ids = [.. Enumerable.Range(0, 300).Select(i => _repo.Git("rev-parse", $"HEAD:f{i:D3}.txt").Trim())];
        ids.Insert(150, _repo.Git("rev-parse", "HEAD:logo.png").Trim());
        ids.Insert(10, new string('0', 40));
        ids.Insert(20, "bad\nid");
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));

        var batch = git.ReadMany(ids);

        Assert.Equal(ids.Select(git.ReadText), batch);
        Assert.Equal("file 0\n", batch[0]);
        Assert.Equal("file 299\n", batch[^1]);
        Assert.Equal(3, batch.Count(t => t is null));
    }

    [Fact]
    public void Prefetched_blobs_are_answered_from_memory_and_the_rest_from_the_inner_reader()
    {
        var inner = new CountingReader(new() { ["a"] = "alpha", ["b"] = "beta", ["c"] = "gamma" });
        var cached = new CachedBlobReader(inner);

        cached.Prefetch(["a", "b", "a"]);

        Assert.Equal((1, 0), (inner.Batches, inner.Singles));
        Assert.Equal(["a", "b"], inner.Asked);
        Assert.Equal(("alpha", "beta", "gamma"), (cached.ReadText("a"), cached.ReadText("b"), cached.ReadText("c")));
        Assert.Equal((1, 1), (inner.Batches, inner.Singles));
        Assert.Equal("gamma", cached.ReadText("c"));
        Assert.Equal(1, inner.Singles);
    }

    [Fact]
    public void Texts_past_the_bound_drop_the_least_recently_used_and_a_dropped_one_is_read_again()
    {
        // Each entry counts its text and its id: 24 + 1 characters, four of them fill the bound of 100.
        var inner = new CountingReader(new[] { "a", "b", "c", "d", "e" }.ToDictionary(id => id, id => new string(id[0], 24)));
        inner.Add("big", new string('x', 40));
        var cached = new CachedBlobReader(inner, maxChars: 100);

        foreach (var id in new[] { "a", "b", "a", "c", "d" }) cached.ReadText(id);
        Assert.Equal(4, inner.Singles);
        cached.ReadText("e"); // 125 > 100: b, the least recently used, goes
        Assert.Equal(5, inner.Singles);

        Assert.Equal(new string('a', 24), cached.ReadText("a"));
        Assert.Equal(5, inner.Singles);
        Assert.Equal(0, cached.ReadAgain);
        Assert.Equal(new string('b', 24), cached.ReadText("b")); // held again: c, now the least recently used, goes
        Assert.Equal(6, inner.Singles);
        Assert.Equal(1, cached.ReadAgain);

        // Larger than a quarter of the bound: answered, never held.
        Assert.Equal(new string('x', 40), cached.ReadText("big"));
        Assert.Equal(new string('x', 40), cached.ReadText("big"));
        Assert.Equal(8, inner.Singles);
        // A blob never held is not read "again"; a dropped one read ahead in a batch is.
        Assert.Equal(1, cached.ReadAgain);
        cached.Prefetch(["c", "a"]);
        Assert.Equal(["c"], inner.Asked[^1..]);
        Assert.Equal(2, cached.ReadAgain);
    }

    [Fact]
    public void A_forgotten_text_is_no_longer_held_and_one_asked_for_again_is_read_again_and_counted()
    {
        var inner = new CountingReader(new[] { "a", "b", "c" }.ToDictionary(id => id, id => new string(id[0], 24)));
        var cached = new CachedBlobReader(inner, maxChars: 100);
        cached.Prefetch(["a", "b", "c"]);

        Assert.Equal(2, cached.Forget(["a", "b", "a", "never-held"]));
        Assert.Equal(2, cached.Forgotten);
        Assert.Equal(new string('c', 24), cached.ReadText("c"));
        Assert.Equal(0, inner.Singles);
        Assert.Equal(new string('a', 24), cached.ReadText("a"));
        Assert.Equal((1, 1), (inner.Singles, cached.ReadAgain));

        // What was forgotten no longer counts against the bound: three more of 25 fit beside c and a.
        foreach (var id in new[] { "d", "e", "f" }) inner.Add(id, new string(id[0], 24));
        cached.Prefetch(["d", "e"]);
        Assert.Equal(new string('c', 24), cached.ReadText("c"));
        Assert.Equal(1, inner.Singles);
    }

    public void Dispose() => _repo.Dispose();

    private sealed class CountingReader(Dictionary<string, string> blobs) : IBatchBlobReader
    {
        public int Singles { get; private set; }

        public int Batches { get; private set; }

        public List<string> Asked { get; } = [];

        public void Add(string id, string text) => blobs[id] = text;

        public string? ReadText(string blobId)
        {
            Singles++;
            return blobs.GetValueOrDefault(blobId);
        }

        public string?[] ReadMany(IReadOnlyList<string> blobIds)
        {
            Batches++;
            Asked.AddRange(blobIds);
            return [.. blobIds.Select(blobs.GetValueOrDefault)];
        }
    }
}
