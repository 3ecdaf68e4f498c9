using System.Globalization;
using System.Text;
using PipeWatch.Sources.Git;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

/// <summary>
/// The parser of <c>git log --raw -p -U0</c> output, fed bytes as git prints them: the real shape of two commits (CRLF, a binary
/// file, a rename, a hunk with function context, no newline at the end), then what an attacker can put in a history: paths
/// and lines that are not UTF-8, NULs, huge lines, output cut anywhere, dates and raw lines git would not print.
/// </summary>
public sealed class GitLogParserTests
{
    private const string First = "898ec273b269f72bbecc7f9e9959ca6d039ac012";
    private const string Second = "c1e3840905f2ce196db327e329ab517c1a83ed23";

    // git -c core.quotepath=off log --reverse -p -U0 --raw --no-abbrev -M --format=GitLogParser.Format, in a two-commit repository.
    private static readonly string RealLog =
        $"\u0001{First}\0\0A\0a@x\02026-12-07T11:35:14+00:00\0A\0a@x\02026-12-07T11:35:14+00:00\0first\n" +
        "\n" +
        ":000000 100644 0000000000000000000000000000000000000000 820afe59c1653a8dc2e4dea8be8d5e4eda6a5b19 A\ta.txt\n" +
        ":000000 100644 0000000000000000000000000000000000000000 88768efdf77ec78c9a995f94881793be6a41752b A\tb.bin\n" +
        "\n" +
        "diff --git a/a.txt b/a.txt\nnew file mode 100644\nindex 0000000..820afe5\n--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1,2 @@\n+one\r\n+two\n" +
        "diff --git a/b.bin b/b.bin\nnew file mode 100644\nindex 0000000..88768ef\nBinary files /dev/null and b/b.bin differ\n" +
        $"\u0001{Second}\0{First}\0A\0a@x\02026-12-07T11:35:14+05:30\0A\0a@x\02026-12-07T12:35:14-08:00\0second\n" +
        "\n" +
        ":100644 100644 820afe59c1653a8dc2e4dea8be8d5e4eda6a5b19 177e00a256f2bc95d147b77a45bc7accc07dc6fd M\ta.txt\n" +
        ":100644 100644 88768efdf77ec78c9a995f94881793be6a41752b 88768efdf77ec78c9a995f94881793be6a41752b R100\tb.bin\tsp ace.bin\n" +
        "\n" +
        "diff --git a/a.txt b/a.txt\nindex 820afe5..177e00a 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -2 +2,2 @@ one\n-two\n+TWO\n+three\n\\ No newline at end of file\n" +
        "diff --git a/b.bin b/sp ace.bin\nsimilarity index 100%\nrename from b.bin\nrename to sp ace.bin\n";

    [Fact]
    public void A_real_log_is_read_into_commits_with_their_files_lines_and_hunks()
    {
        var commits = Parse(Encoding.UTF8.GetBytes(RealLog));

        Assert.Equal([First, Second], commits.Select(c => c.Sha));
        var (first, second) = (commits[0], commits[1]);
        Assert.Empty(first.Parents);
        Assert.Equal([First], second.Parents);
        Assert.Equal(("A", "a@x", "second"), (second.Author.Name, second.Author.Email, second.Subject));
        Assert.Equal((new DateTime(2026, 12, 7, 11, 35, 14), new TimeSpan(5, 30, 0)), (second.Author.When.DateTime, second.Author.When.Offset));
        Assert.Equal((new DateTime(2026, 12, 7, 12, 35, 14), TimeSpan.FromHours(-8)), (second.Committer.When.DateTime, second.Committer.When.Offset));

        var added = first.Files[0];
        Assert.Equal(("a.txt", FileChangeKind.Added, (string?)null, "820afe59c1653a8dc2e4dea8be8d5e4eda6a5b19", 2, 0), (added.Path, added.Kind, added.OldBlob, added.NewBlob, added.LinesAdded, added.LinesDeleted));
        Assert.Equal([new AddedLine(1, "one\r"), new AddedLine(2, "two")], added.Added);
        var binary = first.Files[1];
        Assert.Equal(("b.bin", true, 0), (binary.Path, binary.Binary, binary.LinesAdded));
        Assert.Empty(binary.Added);
        Assert.Null(binary.Hunks);

        var modified = second.Files[0];
        Assert.Equal((FileChangeKind.Modified, 2, 1), (modified.Kind, modified.LinesAdded, modified.LinesDeleted));
        Assert.Equal([new AddedLine(2, "TWO"), new AddedLine(3, "three")], modified.Added);
        // The removed line "two" folded as DiffRebuild folds the old version's line 2 ("one\r\ntwo\n" from the first commit).
        using var removed = new RemovedLinesDigest();
        removed.AddLines("two\n");
        Assert.Equal(new DiffHunks([2, 1, 2, 2], newEndsWithoutNewline: true, removed.Value), modified.Hunks);
        Assert.NotEqual(new DiffHunks([2, 1, 2, 2], newEndsWithoutNewline: true, RemovedLinesDigest.Nothing), modified.Hunks);
        var renamed = second.Files[1];
        Assert.Equal(("sp ace.bin", "b.bin", FileChangeKind.Renamed, 0), (renamed.Path, renamed.OldPath, renamed.Kind, renamed.Added.Count));
        Assert.Equal(DiffHunks.None, renamed.Hunks);
    }

    [Fact]
    public void A_files_added_lines_are_read_as_one_joined_text_the_detectors_search_as_is()
    {
        var modified = Parse(Encoding.UTF8.GetBytes(RealLog))[1].Files[0];

        var text = Assert.IsType<AddedText>(modified.Added);
        Assert.Same(text, AddedText.Of(modified.Added));
        Assert.Equal("TWO\nthree", text.Text);
        Assert.Equal([2, 3], Enumerable.Range(0, text.Count).Select(text.Number));
    }

    [Fact]
    public void Paths_that_are_not_utf8_and_decode_alike_keep_their_own_lines()
    {
        // Two names differing only in a byte that is not UTF-8: both decode to "a\uFFFD.txt", so matching a diff section to its
        // raw entry by decoded text gave the second file's lines to the first.
        var log = Bytes(
            Header("1111111111111111111111111111111111111111", "2026-12-07T11:35:14+00:00"),
            "\n:000000 100644 0000000000000000000000000000000000000000 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa A\ta", new byte[] { 0xFF }, ".txt\n",
            ":000000 100644 0000000000000000000000000000000000000000 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb A\ta", new byte[] { 0xFE }, ".txt\n\n",
            "diff --git a/a", new byte[] { 0xFF }, ".txt b/a", new byte[] { 0xFF }, ".txt\n@@ -0,0 +1 @@\n+first file\n",
            "diff --git a/a", new byte[] { 0xFE }, ".txt b/a", new byte[] { 0xFE }, ".txt\n@@ -0,0 +1,2 @@\n+second file\n+second line\n");

        var files = Assert.Single(Parse(log)).Files;

        Assert.Equal(["a\uFFFD.txt", "a\uFFFD.txt"], files.Select(f => f.Path));
        Assert.Equal([new AddedLine(1, "first file")], files[0].Added);
        Assert.Equal([new AddedLine(1, "second file"), new AddedLine(2, "second line")], files[1].Added);
        Assert.All(files, f => Assert.NotNull(f.Hunks));
    }

    [Fact]
    public void Added_lines_with_nuls_and_broken_utf8_read_as_each_line_decoded_alone()
    {
        // A sequence cut at the end of one line must not swallow the next line's first bytes, nor its newline.
        byte[][] lines = [[0x61, 0x00, 0x62], [0xE2, 0x82], [0x63, 0x64], [0xC3], [], [0xF0, 0x9F, 0x98, 0x80, 0x21], [0x80, 0x80, 0x0D]];
        var diff = new List<object> { Header("2222222222222222222222222222222222222222", "2026-12-07T11:35:14+00:00"),
            "\n:000000 100644 0000000000000000000000000000000000000000 cccccccccccccccccccccccccccccccccccccccc A\tx.bin\n\n",
            "diff --git a/x.bin b/x.bin\n@@ -0,0 +1,7 @@\n" };
        foreach (var line in lines) diff.AddRange(["+", line, "\n"]);

        var file = Assert.Single(Assert.Single(Parse(Bytes([.. diff]))).Files);

        Assert.Equal(lines.Select((l, i) => new AddedLine(i + 1, new UTF8Encoding(false, false).GetString(l))), file.Added);
        Assert.Equal("a\0b", file.Added[0].Text);
        Assert.Equal(7, file.LinesAdded);
    }

    [Fact]
    public void A_line_longer_than_the_read_buffer_is_one_added_line()
    {
        var huge = new string('x', 3 * 1024 * 1024);
        var log = Bytes(Header("3333333333333333333333333333333333333333", "2026-12-07T11:35:14+00:00"),
            "\n:000000 100644 0000000000000000000000000000000000000000 dddddddddddddddddddddddddddddddddddddddd A\tbig.txt\n\n",
            "diff --git a/big.txt b/big.txt\n@@ -0,0 +1,2 @@\n+", huge, "\n+tail\n");

        var file = Assert.Single(Assert.Single(Parse(log)).Files);

        Assert.Equal([new AddedLine(1, huge), new AddedLine(2, "tail")], file.Added);
    }

    [Fact]
    public void Output_cut_anywhere_gives_the_commits_read_so_far_and_never_throws()
    {
        var log = Encoding.UTF8.GetBytes(RealLog);
        var cut = Encoding.UTF8.GetByteCount(RealLog[..RealLog.IndexOf("+TW", StringComparison.Ordinal)]) + 3;

        var commits = Parse(log[..cut]);

        Assert.Equal([First, Second], commits.Select(c => c.Sha));
        Assert.Equal([new AddedLine(2, "TW")], commits[1].Files[0].Added);
        for (var at = 0; at < log.Length; at++) Parse(log[..at]);
    }

    [Theory]
    [InlineData("2010-04-06T22:41:09+02:00")]
    [InlineData("1970-01-01T00:00:00-05:30")]
    [InlineData("2024-02-29T23:59:59+14:00")]
    [InlineData("2023-02-29T10:00:00+00:00")]
    [InlineData("2010-04-06T24:00:00+00:00")]
    [InlineData("2010-04-06T22:41:60+00:00")]
    [InlineData("2010-04-06T22:41:09+14:30")]
    [InlineData("2010-04-06T22:41:09+01:60")]
    [InlineData("0001-01-01T00:30:00+01:00")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    [InlineData("0000-01-01T00:00:00+00:00")]
    [InlineData("2010-04-06 22:41:09 +0200")]
    [InlineData("2010-04-06T22:41:09Z")]
    [InlineData("２０１０-04-06T22:41:09+02:00")]
    [InlineData("")]
    [InlineData("not a date")]
    public void Dates_read_as_the_general_parser_reads_them_with_their_offset(string date)
    {
        var expected = DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : DateTimeOffset.UnixEpoch;

        var when = Assert.Single(Parse(Bytes(Header("4444444444444444444444444444444444444444", date), "\n"))).Author.When;

        Assert.Equal((expected.DateTime, expected.Offset), (when.DateTime, when.Offset));
    }

    [Fact]
    public void Raw_lines_git_would_not_print_are_skipped_and_a_short_header_reads_as_empty_fields()
    {
        var log = Bytes("\u00015555555555555555555555555555555555555555\0\0Eve\n",
            ":100644 100644 only-three-fields\tshort.txt\n",
            ":100644 100644 eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee ffffffffffffffffffffffffffffffffffffffff M no-tab.txt\n",
            ":100644  100644 eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee ffffffffffffffffffffffffffffffffffffffff M\tdouble-space.txt\n",
            ":160000 160000 eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee ffffffffffffffffffffffffffffffffffffffff \u00e9\tsub\n",
            "diff --git a/sub b/sub\n@@ -1 +1 @@\n-Subproject commit e\n+Subproject commit f\n");

        var commit = Assert.Single(Parse(log));

        Assert.Equal(("Eve", string.Empty, DateTimeOffset.UnixEpoch), (commit.Author.Name, commit.Author.Email, commit.Author.When));
        // The double space makes six fields, read by position: the old blob is the third ("100644"), the status the fifth.
        Assert.Equal(["double-space.txt", "sub"], commit.Files.Select(f => f.Path));
        Assert.Equal(("100644", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", FileChangeKind.Modified), (commit.Files[0].OldBlob, commit.Files[0].NewBlob, commit.Files[0].Kind));
        var submodule = commit.Files[1];
        Assert.Equal((FileChangeKind.Modified, 1, 0), (submodule.Kind, submodule.LinesAdded, submodule.Added.Count));
        Assert.Null(submodule.Hunks);
    }

    private static List<GitCommit> Parse(byte[] log)
    {
        var parser = new GitLogParser(new MemoryStream(log, writable: false));
        var commits = new List<GitCommit>();
        while (parser.Next() is { } commit) commits.Add(commit);
        return commits;
    }

    private static string Header(string sha, string date) => $"\u0001{sha}\0\0Eve\0eve@example.com\0{date}\0Eve\0eve@example.com\0{date}\0change\n";

    // Text as UTF-8 and byte arrays as they are, one after the other.
    private static byte[] Bytes(params object[] parts) =>
        [.. parts.SelectMany(p => p is byte[] bytes ? bytes : Encoding.UTF8.GetBytes((string)p))];
}
