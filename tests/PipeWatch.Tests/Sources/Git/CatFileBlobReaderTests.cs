using System.Text;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

public sealed class CatFileBlobReaderTests : IDisposable
{
    private readonly TestRepository _repo = new();

    [Fact]
    public void Many_answers_of_every_kind_are_read_in_order_and_each_is_what_git_holds()
    {
        var text = "name: ci\non: push\r\njobs: {}\n";
        var unicode = "naïve ☕ 𝄞\n";
        var binary = new byte[] { (byte)'a', 0, (byte)'b' };
        var latin1 = new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'\n' };
        _repo.Write("ci.yml", text).Write("unicode.txt", unicode).WriteBytes("bin.dat", binary).WriteBytes("latin1.txt", latin1).Write("empty.txt", "");
        var head = _repo.Commit("files");
        string Id(string path) => _repo.Git("rev-parse", $"{head}:{path}").Trim();
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));

        var tree = _repo.Git("rev-parse", head + "^{tree}").Trim();
        var missing = new string('0', 40);
        var texts = git.ReadMany([Id("ci.yml"), missing, Id("bin.dat"), tree, "bad\nid", head + ":unicode.txt", Id("latin1.txt"), Id("empty.txt"), "", Id("ci.yml")]);

        Assert.Equal<IEnumerable<string?>>([text, null, null, null, null, unicode, Encoding.UTF8.GetString(latin1), "", null, text], texts);
        // A missing object or one that is not a blob leaves the protocol in step: the next answers are still the right ones.
        Assert.Equal(binary, git.Read(Id("bin.dat")));
        Assert.Null(git.Read(tree));
        Assert.Equal(unicode, git.ReadText(Id("unicode.txt")));
    }

    [Fact]
    public void A_blob_larger_than_the_limit_reads_as_null_and_the_answers_after_it_stay_in_step()
    {
        var small = "small: 1\n";
        var large = string.Concat(Enumerable.Repeat("a line of a large generated file\n", 200));
        _repo.Write("small.yml", small).Write("large.txt", large);
        var head = _repo.Commit("files");
        string Id(string path) => _repo.Git("rev-parse", $"{head}:{path}").Trim();
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path), maxBytes: 1024);

        Assert.Equal<IEnumerable<string?>>([small, null, small], git.ReadMany([Id("small.yml"), Id("large.txt"), Id("small.yml")]));
        Assert.Null(git.ReadText(Id("large.txt")));
        Assert.Null(git.Read(Id("large.txt")));
        Assert.Equal(small, git.ReadText(Id("small.yml")));

        // The limit is on bytes: the default reads it.
        using var whole = new CatFileBlobReader(GitRepository.Open(_repo.Path));
        Assert.Equal(large, whole.ReadText(Id("large.txt")));
    }

    [Fact]
    public void A_long_request_that_git_cannot_find_is_answered_missing_without_losing_step()
    {
        _repo.Write("a.txt", "a\n");
        var head = _repo.Commit("a");
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));

        // git echoes the request in its "missing" line: a header far longer than a blob id's.
        var longPath = head + ":" + new string('x', 5000);
        Assert.Equal<IEnumerable<string?>>([null, "a\n"], git.ReadMany([longPath, head + ":a.txt"]));
    }

    public void Dispose() => _repo.Dispose();
}
