using PipeWatch.Diagnostics;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

public sealed class FolderSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void Every_text_file_is_one_pseudo_commit_adding_all_its_lines_in_path_order()
    {
        Write("b.txt", "one\r\ntwo\n");
        Write("a/c.yml", "x: 1");
        File.WriteAllBytes(_folder.File("image.bin"), [1, 2, 0, 3]);
        Write(".git/config", "[core]\n");

        var commits = Read();

        Assert.Equal(["b.txt", "a/c.yml"], commits.Select(c => Assert.Single(c.Files).Path));
        Assert.Equal([new AddedLine(1, "one"), new AddedLine(2, "two")], commits[0].Files[0].Added);
        Assert.Equal([new AddedLine(1, "x: 1")], commits[1].Files[0].Added);
        Assert.All(commits, c => Assert.Equal(GitHistorySource.StagedSha, c.Sha));
    }

    [Theory]
    [InlineData("a\r\nb\r\n", new[] { "a", "b" })]
    [InlineData("a\r\r\nb", new[] { "a\r", "b" })]
    [InlineData("x\ry\nlast\r", new[] { "x\ry", "last" })]
    [InlineData("one\n\ntwo", new[] { "one", "", "two" })]
    [InlineData("ends\n\n", new[] { "ends", "" })]
    [InlineData("\n", new[] { "" })]
    [InlineData("", new[] { "" })]
    public void A_carriage_return_that_ends_a_line_is_not_part_of_it_and_a_final_newline_starts_no_line(string content, string[] lines)
    {
        Write("f.txt", content);

        var change = Assert.Single(Assert.Single(Read()).Files);

        Assert.Equal(lines.Select((text, i) => new AddedLine(i + 1, text)), change.Added);
        Assert.Equal(lines.Length, change.LinesAdded);
    }

    [Theory]
    [InlineData(7999)]
    [InlineData(8000)]
    [InlineData(8001)]
    [InlineData(50_000)]
    public void A_text_file_of_any_size_is_read_whole_and_a_nul_byte_only_after_the_first_8000_bytes_keeps_it_text(int size)
    {
        var text = string.Concat(Enumerable.Range(0, size / 10 + 1).Select(i => $"line {i % 10000:D4}\n"))[..size];
        File.WriteAllText(_folder.File("a.txt"), text);
        File.WriteAllBytes(_folder.File("b.bin"), [.. Enumerable.Repeat((byte)'x', 7999), 0, .. "tail\n"u8]);
        File.WriteAllBytes(_folder.File("c.txt"), [.. Enumerable.Repeat((byte)'x', 8000), 0, .. "\ntail\n"u8]);

        var commits = Read();

        Assert.Equal(["a.txt", "c.txt"], commits.Select(c => c.Files[0].Path));
        Assert.Equal(text.TrimEnd('\n'), AddedText.Of(commits[0].Files[0].Added).Text);
        Assert.Equal("tail", commits[1].Files[0].Added[^1].Text);
    }

    [Fact]
    public void Identical_files_share_one_blob_id_and_a_changed_byte_gives_another()
    {
        Write("one.txt", "same\n");
        Write("two.txt", "same\n");
        Write("three.txt", "samf\n");

        var blobs = Read().ToDictionary(c => c.Files[0].Path, c => c.Files[0].NewBlob);

        Assert.Matches("^[0-9a-f]{32}$", blobs["one.txt"]);
        Assert.Equal(blobs["one.txt"], blobs["two.txt"]);
        Assert.NotEqual(blobs["one.txt"], blobs["three.txt"]);
    }

    [Fact]
    public void Links_to_files_and_folders_are_not_followed()
    {
        Write("real/a.txt", "a\n");
        File.CreateSymbolicLink(_folder.File("link.txt"), _folder.File("real/a.txt"));
        Directory.CreateSymbolicLink(_folder.File("linked"), _folder.File("real"));

        Assert.Equal(["real/a.txt"], Read().Select(c => c.Files[0].Path));
    }

    private List<GitCommit> Read()
    {
        using var source = new FolderSource(_folder.Path, new ProblemLog());
        return [.. source.Read(TestContext.Current.CancellationToken).Select(c => c.Commit)];
    }

    private void Write(string path, string text)
    {
        var full = _folder.File(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    public void Dispose() => _folder.Dispose();
}
