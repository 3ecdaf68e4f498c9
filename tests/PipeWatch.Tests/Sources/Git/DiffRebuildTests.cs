using System.Text;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

public sealed class DiffRebuildTests : IDisposable
{
    private const string Ten = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";

    // Each case: the file's first version, then its second; both committed, the second rebuilt from the first and the diff.
    private static readonly (string Name, string Before, string After)[] Cases =
    [
        ("edit-start", Ten, Ten.Replace("one\n", "ONE\n", StringComparison.Ordinal)),
        ("edit-middle", Ten, Ten.Replace("five\nsix\n", "FIVE\nSIX\nSIX-B\n", StringComparison.Ordinal)),
        ("edit-end", Ten, Ten.Replace("ten\n", "TEN\n", StringComparison.Ordinal)),
        ("edit-start-middle-end", Ten, "ONE\ntwo\nthree\nFOUR\nfive\nsix\nseven\neight\nnine\nTEN\nELEVEN\n"),
        ("insert-at-start", Ten, "zero\n" + Ten),
        ("insert-in-middle", Ten, Ten.Replace("four\n", "four\nfour-a\nfour-b\n", StringComparison.Ordinal)),
        ("insert-at-end", Ten, Ten + "eleven\ntwelve\n"),
        ("delete-at-start", Ten, Ten["one\ntwo\n".Length..]),
        ("delete-in-middle", Ten, Ten.Replace("six\nseven\n", "", StringComparison.Ordinal)),
        ("delete-at-end", Ten, Ten.Replace("nine\nten\n", "", StringComparison.Ordinal)),
        ("delete-everything", Ten, ""),
        ("new-loses-final-newline", Ten, Ten.TrimEnd('\n')),
        ("old-lacks-final-newline", Ten.TrimEnd('\n'), Ten),
        ("neither-has-final-newline-edit-middle", Ten.TrimEnd('\n'), Ten.Replace("five", "FIVE", StringComparison.Ordinal).TrimEnd('\n')),
        ("neither-has-final-newline-edit-last", Ten.TrimEnd('\n'), Ten.Replace("ten", "TEN", StringComparison.Ordinal).TrimEnd('\n')),
        ("crlf", Ten.Replace("\n", "\r\n", StringComparison.Ordinal), Ten.Replace("\n", "\r\n", StringComparison.Ordinal).Replace("three", "THREE", StringComparison.Ordinal)),
        ("crlf-to-lf-on-one-line", Ten.Replace("\n", "\r\n", StringComparison.Ordinal), Ten.Replace("\n", "\r\n", StringComparison.Ordinal).Replace("four\r\n", "four\n", StringComparison.Ordinal)),
        ("empty-to-text", "", "a\nb\n"),
        ("non-ascii", "naïve\ncafé\n", "naïve\ncafé ☕\n€\n"),
        ("blank-lines", "\n\n\na\n\n", "\n\nb\n\na\n\n\n"),
    ];

    private readonly TestRepository _repo = new();

    [Fact]
    public void Every_second_version_is_rebuilt_exactly_from_the_first_and_the_U0_diff()
    {
        foreach (var (name, before, _) in Cases) _repo.WriteBytes(name + ".txt", Encoding.UTF8.GetBytes(before));
        _repo.Commit("first");
        foreach (var (name, _, after) in Cases) _repo.WriteBytes(name + ".txt", Encoding.UTF8.GetBytes(after));
        _repo.Commit("second");
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));

        var changes = Scan.Commits(_repo.Path)[1].Commit.Files.ToDictionary(f => f.Path);

        Assert.Equal(Cases.Length, changes.Count);
        foreach (var (name, before, after) in Cases)
        {
            var change = changes[name + ".txt"];
            Assert.True(change.Hunks is not null, name);
            Assert.Equal(before, git.ReadText(change.OldBlob!));
            var rebuilt = DiffRebuild.NewText(before, change);
            Assert.True(after == rebuilt, $"{name}: rebuilt {Show(rebuilt)}, expected {Show(after)}");
        }
    }

    [Fact]
    public void An_added_file_is_its_added_lines_and_a_renamed_one_is_rebuilt_from_its_old_path()
    {
        var body = string.Concat(Enumerable.Range(1, 30).Select(i => $"line {i} of a file long enough to be seen as renamed\n"));
        _repo.Write("added.txt", "x\ny").Write("empty.txt", "").Write("old/name.txt", body).Commit("add");
        File.Delete(Path.Combine(_repo.Path, "old/name.txt"));
        _repo.Write("new/name.txt", body.Replace("line 7 of", "LINE 7 OF", StringComparison.Ordinal)).Commit("move");
        var commits = Scan.Commits(_repo.Path);

        var added = commits[0].Commit.Files.ToDictionary(f => f.Path);
        var moved = Assert.Single(commits[1].Commit.Files);

        Assert.Equal("x\ny", DiffRebuild.NewText("", added["added.txt"]));
        Assert.Equal("", DiffRebuild.NewText("", added["empty.txt"]));
        Assert.Equal(FileChangeKind.Renamed, moved.Kind);
        Assert.Equal(body.Replace("line 7 of", "LINE 7 OF", StringComparison.Ordinal), DiffRebuild.NewText(body, moved));
    }

    [Fact]
    public void A_rebuilt_text_whose_blob_id_differs_is_refused()
    {
        _repo.Write("a.txt", Ten).Commit("first");
        _repo.Write("a.txt", Ten.Replace("five", "FIVE", StringComparison.Ordinal)).Commit("second");
        var change = Assert.Single(Scan.Commits(_repo.Path)[1].Commit.Files);
        // The same line count, one untouched line different: the hunks still apply, the id does not match.
        var wrongBefore = Ten.Replace("two", "TWO", StringComparison.Ordinal);

        Assert.Equal(Ten.Replace("five", "FIVE", StringComparison.Ordinal).Replace("two", "TWO", StringComparison.Ordinal), DiffRebuild.Apply(wrongBefore, change));
        Assert.Null(DiffRebuild.NewText(wrongBefore, change));
        // Too few lines for the hunk: it does not apply at all.
        Assert.Null(DiffRebuild.Apply("one\n", change));
        Assert.Equal(Ten.Replace("five", "FIVE", StringComparison.Ordinal), DiffRebuild.NewText(Ten, change));
    }

    [Fact]
    public void A_text_of_many_pieces_has_the_blob_id_git_gives_it_even_with_a_surrogate_pair_split_between_pieces()
    {
        // HasId hashes 16 K characters at a time: the pair "😀" starts at the last character of the first piece.
        var lines = new StringBuilder();
        while (lines.Length < 16_383) lines.Append("naïve café ").Append(lines.Length).Append('\n');
        var text = lines.ToString(0, 16_383) + "\U0001F600 tail ☕\n" + string.Concat(Enumerable.Repeat("€ lockfile entry\n", 5_000));
        Assert.True(char.IsHighSurrogate(text[16_383]));
        _repo.Write("big.txt", text).Write("short.txt", "a\nb\n");
        var id = _repo.Git("hash-object", "big.txt").Trim();

        Assert.True(DiffRebuild.HasId(text, id));
        Assert.True(DiffRebuild.HasId("a\nb\n", _repo.Git("hash-object", "short.txt").Trim()));
        Assert.True(DiffRebuild.HasId("", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"));
        // One character changed in the last piece, or the id of another text: not this blob.
        Assert.False(DiffRebuild.HasId(text[..^2] + "X\n", id));
        Assert.False(DiffRebuild.HasId(text, _repo.Git("hash-object", "short.txt").Trim()));
        Assert.False(DiffRebuild.HasId(text, id[..39]));
    }

    [Fact]
    public void A_text_with_a_NUL_in_its_first_8000_bytes_is_binary_to_git_cat_file_and_has_no_text_id()
    {
        // As CatFileBlobReader reads it: a NUL in the first 8,000 bytes makes a blob binary (no text), one past them does not.
        var early = new string('a', 7_999) + "\0" + new string('b', 20_000);
        var late = new string('a', 8_000) + "\0" + new string('b', 20_000);
        _repo.Write("early.bin", early).Write("late.bin", late);

        Assert.False(DiffRebuild.HasId(early, _repo.Git("hash-object", "early.bin").Trim()));
        Assert.True(DiffRebuild.HasId(late, _repo.Git("hash-object", "late.bin").Trim()));
    }

    [Fact]
    public void A_file_that_is_not_UTF8_is_not_rebuilt_and_is_read_from_git_instead()
    {
        var latin1 = Encoding.Latin1;
        _repo.WriteBytes("legacy.txt", latin1.GetBytes("caf\u00e9\none\n")).Commit("first");
        _repo.WriteBytes("legacy.txt", latin1.GetBytes("caf\u00e9\nONE\n")).Commit("second");
        var commits = Scan.Commits(_repo.Path);
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));
        var inner = new CountingReader(git);
        var cached = new CachedBlobReader(inner);

        cached.PrefetchChanges([.. commits.SelectMany(c => c.Commit.Files)]);

        // The first version (an added file) cannot be rebuilt either: its bytes are not the UTF-8 of its decoded text.
        Assert.Equal((0L, 0L, 2L), cached.Rebuilds);
        var change = Assert.Single(commits[1].Commit.Files);
        Assert.Equal(git.ReadText(change.NewBlob!), cached.ReadText(change.NewBlob!));
        Assert.Null(DiffRebuild.NewText(git.ReadText(change.OldBlob!)!, change));
    }

    [Fact]
    public void Reading_ahead_a_history_asks_git_only_for_what_cannot_be_rebuilt_and_holds_exactly_what_git_holds()
    {
        // A lockfile-like history: each commit changes a few lines of a long file, one commit also adds a binary file.
        var lines = Enumerable.Range(0, 200).Select(i => $"  package-{i}@1.0.{i}: resolved \"https://registry.example/p{i}\"").ToList();
        _repo.Write("deps.lock", string.Join('\n', lines) + "\n").Commit("v0");
        for (var v = 1; v <= 12; v++)
        {
            lines[(v * 37) % lines.Count] = $"  package-{v}@2.0.{v}: resolved \"https://registry.example/q{v}\"";
            if (v % 4 == 0) lines.Insert(v * 5, $"  added-{v}@1.0.0");
            if (v % 5 == 0) lines.RemoveAt(v * 3);
            _repo.Write("deps.lock", string.Join('\n', lines) + (v == 12 ? "" : "\n"));
            if (v == 6) _repo.WriteBytes("logo.png", [0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2]);
            _repo.Commit($"v{v}");
        }

        var changes = Scan.Commits(_repo.Path).SelectMany(c => c.Commit.Files).ToList();
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));
        var inner = new CountingReader(git);
        var cached = new CachedBlobReader(inner);

        cached.PrefetchChanges(changes);

        // 13 versions of deps.lock (all rebuilt, the first from nothing) and a binary file (read).
        Assert.Equal((13L, 0L), (cached.Rebuilds.Rebuilt, cached.Rebuilds.Read));
        Assert.Equal(["logo.png"], inner.Asked.Select(id => changes.First(c => c.NewBlob == id).Path));
        foreach (var change in changes) Assert.Equal(git.ReadText(change.NewBlob!), cached.ReadText(change.NewBlob!));
        Assert.Single(inner.Asked);
    }

    public void Dispose() => _repo.Dispose();

    private static string Show(string? text) => text is null ? "null" : "\"" + text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    private sealed class CountingReader(CatFileBlobReader git) : IBatchBlobReader
    {
        public List<string> Asked { get; } = [];

        public string? ReadText(string blobId)
        {
            Asked.Add(blobId);
            return git.ReadText(blobId);
        }

        public string?[] ReadMany(IReadOnlyList<string> blobIds)
        {
            Asked.AddRange(blobIds);
            return git.ReadMany(blobIds);
        }
    }
}
