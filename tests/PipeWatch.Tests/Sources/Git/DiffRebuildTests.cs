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
        ("bom-kept", "\uFEFFone\ntwo\n", "\uFEFFone\nTWO\n"),
        ("bom-line-edited", "\uFEFFone\ntwo\n", "\uFEFFONE\ntwo\n"),
        ("bom-removed", "\uFEFFone\ntwo\n", "one\ntwo\n"),
        ("crlf-without-final-newline", Ten.Replace("\n", "\r\n", StringComparison.Ordinal).TrimEnd('\n').TrimEnd('\r'), Ten.Replace("\n", "\r\n", StringComparison.Ordinal).Replace("ten\r\n", "TEN", StringComparison.Ordinal)),
        ("one-line-without-newline-to-empty", "only", ""),
        ("empty-to-one-line-without-newline", "", "only"),
        ("one-line-gains-its-newline", "only", "only\n"),
        ("lines-added-after-a-last-line-without-newline", "a\nb", "a\nb\nc\nd"),
        ("surrogate-pairs", "\U0001F600 one\ntwo \U0001F680\n", "\U0001F600 ONE\ntwo \U0001F680\nthree \U0001F4A9\n"),
        ("same-line-many-times", "x\nx\nx\nx\nx\n", "x\ny\nx\nx\ny\n"),
    ];

    private readonly TestRepository _repo = new();

    // Commit "first" holds every case's version before, commit "second" every version after.
    private void CommitBothVersionsOfEveryCase()
    {
        foreach (var (name, before, _) in Cases) _repo.WriteBytes(name + ".txt", Encoding.UTF8.GetBytes(before));
        _repo.Commit("first");
        foreach (var (name, _, after) in Cases) _repo.WriteBytes(name + ".txt", Encoding.UTF8.GetBytes(after));
        _repo.Commit("second");
    }

    [Fact]
    public void Every_second_version_is_rebuilt_exactly_from_the_first_and_the_U0_diff()
    {
        CommitBothVersionsOfEveryCase();
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
    public void A_wrong_removed_line_in_the_old_text_is_refused_and_hunks_made_by_hand_are_checked_by_blob_id()
    {
        _repo.Write("a.txt", Ten).Commit("first");
        _repo.Write("a.txt", Ten.Replace("five", "FIVE", StringComparison.Ordinal)).Commit("second");
        var change = Assert.Single(Scan.Commits(_repo.Path)[1].Commit.Files);
        // The same line count, the removed line different: the hunks still apply, the removed line is not git's.
        var wrongBefore = Ten.Replace("five", "fivE", StringComparison.Ordinal);

        Assert.Equal(Ten.Replace("five", "FIVE", StringComparison.Ordinal), DiffRebuild.Apply(wrongBefore, change));
        Assert.Null(DiffRebuild.NewText(wrongBefore, change));
        // Too few lines for the hunk: it does not apply at all.
        Assert.Null(DiffRebuild.Apply("one\n", change));
        Assert.Equal(Ten.Replace("five", "FIVE", StringComparison.Ordinal), DiffRebuild.NewText(Ten, change));

        // Without the removed lines' digest (hunks made by hand, as the lockfile tests do), the whole result is checked against the
        // new blob id: a wrong line the hunks do not touch is refused too.
        var byHand = change with { Hunks = new DiffHunks([5, 1, 5, 1], newEndsWithoutNewline: false) };
        Assert.Null(DiffRebuild.NewText(Ten.Replace("two", "TWO", StringComparison.Ordinal), byHand));
        Assert.Equal(Ten.Replace("five", "FIVE", StringComparison.Ordinal), DiffRebuild.NewText(Ten, byHand));
    }

    [Fact]
    public void Every_removed_line_made_wrong_in_the_old_text_is_caught()
    {
        CommitBothVersionsOfEveryCase();
        var changes = Scan.Commits(_repo.Path)[1].Commit.Files.ToDictionary(f => f.Path);

        var tried = 0;
        foreach (var (name, before, _) in Cases)
        {
            var change = changes[name + ".txt"];
            var hunks = change.Hunks!;
            var lines = Lines(before);
            for (var h = 0; h < hunks.Count; h++)
            {
                var (oldStart, oldCount, _, _) = hunks[h];
                for (var n = oldStart - 1; n < oldStart - 1 + oldCount; n++)
                {
                    // Each removed line changed in place (a character added, one dropped, the BOM or a CR dropped, another line's
                    // text), or its newline toggled: the hunks still apply to every one, and the digest refuses every one.
                    var (text, newline) = lines[n];
                    List<(string, bool)> wrongs = [(text + "x", newline), (text.Length > 0 ? text[1..] : "y", newline), (lines[(n + 1) % lines.Count].Text + "z", newline)];
                    if (text.EndsWith('\r')) wrongs.Add((text[..^1], newline));
                    if (n == lines.Count - 1) wrongs.Add((text, !newline));
                    foreach (var wrong in wrongs)
                    {
                        var wrongBefore = Join([.. lines[..n], wrong, .. lines[(n + 1)..]]);
                        if (DiffRebuild.Apply(wrongBefore, change) is null) continue;
                        tried++;
                        Assert.True(DiffRebuild.NewText(wrongBefore, change) is null, $"{name}: line {n + 1} as {Show(wrong.Item1)} (newline {wrong.Item2}) was not caught");
                    }
                }
            }
        }

        Assert.True(tried > 100, $"only {tried} wrong old texts the hunks apply to");
    }

    [Fact]
    public void Random_edits_of_random_texts_rebuild_exactly_what_git_cat_file_reads()
    {
        // Property-style, seeded: files of random lines (ASCII, accents, pairs, CR, BOM, blank, bytes that are not UTF-8) edited at
        // random (lines replaced, inserted, removed, the final newline toggled) over many commits, each version committed by git.
        var random = new Random(2026_12_07);
        byte[][] pool =
        [
            "alpha"u8.ToArray(), "beta: 1.0.0"u8.ToArray(), [], "  resolved \"https://registry.example/x\""u8.ToArray(), "naïve café"u8.ToArray(),
            "\U0001F600 \u20AC"u8.ToArray(), "crlf\r"u8.ToArray(), "\r"u8.ToArray(), "x"u8.ToArray(), [0xEF, 0xBB, 0xBF, 0x62, 0x6F, 0x6D],
            [0x63, 0x61, 0x66, 0xE9], [0xE2, 0x82], [0x80, 0x41], [0xF0, 0x9F, 0x98],
        ];
        // Files 0-3 take UTF-8 lines only (the last four of the pool are not UTF-8), files 4 and 5 any line.
        var files = Enumerable.Range(0, 6).Select(_ => (Lines: new List<byte[]>(), Newline: true)).ToArray();
        byte[] Line(int file) => pool[random.Next(file < 4 ? pool.Length - 4 : pool.Length)];
        for (var commit = 0; commit < 50; commit++)
        {
            for (var f = 0; f < files.Length; f++)
            {
                if (random.Next(3) == 0) continue;
                var lines = files[f].Lines;
                for (var edits = random.Next(1, 5); edits > 0; edits--)
                {
                    var at = random.Next(lines.Count + 1);
                    switch (random.Next(4))
                    {
                        case 0 when at < lines.Count: lines[at] = Line(f); break;
                        case 1 when at < lines.Count: lines.RemoveAt(at); break;
                        case 2: files[f].Newline = !files[f].Newline; break;
                        default: lines.InsertRange(at, Enumerable.Range(0, random.Next(1, 4)).Select(_ => Line(f))); break;
                    }
                }

                var bytes = lines.SelectMany((l, i) => i < lines.Count - 1 || files[f].Newline ? [.. l, (byte)'\n'] : l).ToArray();
                _repo.WriteBytes($"f{f}.txt", bytes);
            }

            _repo.Commit($"c{commit}");
        }

        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));
        int rebuilt = 0, refused = 0, rebuiltNotUtf8 = 0;
        foreach (var change in Scan.Commits(_repo.Path).SelectMany(c => c.Commit.Files))
        {
            if (change.NewBlob is null || change.Hunks is null) continue;
            var oldBytes = change.OldBlob is null ? [] : git.Read(change.OldBlob)!;
            var old = change.OldBlob is null ? string.Empty : git.ReadText(change.OldBlob)!;
            var made = DiffRebuild.NewText(old, change);
            if (made is null)
            {
                // Only an old version that is not UTF-8 may be refused: its text re-encodes to other bytes than git removed.
                Assert.False(System.Text.Unicode.Utf8.IsValid(oldBytes), $"{change.Path} {change.NewBlob}: a valid old version was not rebuilt");
                refused++;
                continue;
            }

            Assert.Equal(git.ReadText(change.NewBlob), made);
            rebuilt++;
            if (made.Contains('\uFFFD', StringComparison.Ordinal)) rebuiltNotUtf8++;
        }

        // Every kind met: versions rebuilt, versions refused, and versions rebuilt around lines that are not UTF-8.
        Assert.True(rebuilt > 150 && refused > 0 && rebuiltNotUtf8 > 0, $"{rebuilt} rebuilt ({rebuiltNotUtf8} not UTF-8), {refused} refused");
    }

    [Fact]
    public void A_version_that_is_not_UTF8_is_rebuilt_as_git_cat_file_decodes_it_unless_a_removed_line_is_not_UTF8()
    {
        // Decoding never joins bytes across a newline: a kept or added line that is not UTF-8 reads alike rebuilt or read whole.
        var latin1 = Encoding.Latin1;
        _repo.WriteBytes("legacy.txt", latin1.GetBytes("caf\u00e9\none\n")).Commit("first");
        _repo.WriteBytes("legacy.txt", latin1.GetBytes("caf\u00e9\nONE\nna\u00efve\n")).Commit("second");
        _repo.WriteBytes("legacy.txt", latin1.GetBytes("CAF\u00c9\nONE\nna\u00efve\n")).Commit("third");
        var commits = Scan.Commits(_repo.Path);
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));
        var cached = new CachedBlobReader(new CountingReader(git));

        cached.PrefetchChanges([.. commits.SelectMany(c => c.Commit.Files)]);

        // The first two versions rebuilt (the added file from nothing, the second keeping "caf\xE9"); the third removes "caf\xE9",
        // whose decoded text re-encodes to other bytes than git removed: read from git.
        Assert.Equal((2L, 1L), (cached.Rebuilds.Rebuilt, cached.Rebuilds.Read));
        foreach (var change in commits.SelectMany(c => c.Commit.Files)) Assert.Equal(git.ReadText(change.NewBlob!), cached.ReadText(change.NewBlob!));
        Assert.Contains('\uFFFD', cached.ReadText(commits[1].Commit.Files[0].NewBlob!)!);
        var third = Assert.Single(commits[2].Commit.Files);
        Assert.Null(DiffRebuild.NewText(git.ReadText(third.OldBlob!)!, third));
    }

    [Fact]
    public void A_text_diff_of_a_file_with_a_NUL_in_its_first_8000_bytes_is_not_rebuilt_as_text()
    {
        // The diff attribute makes git print a text diff of what it would call binary; git cat-file's reader calls it binary (no text).
        _repo.Write(".gitattributes", "*.dat diff\n").Write("early.dat", "a\nb\n").Write("late.dat", new string('a', 8_000) + "\nb\n").Commit("first");
        _repo.Write("early.dat", "a\n\0\nb\n").Write("late.dat", new string('a', 8_000) + "\n\0\nb\n").Commit("second");
        var changes = Scan.Commits(_repo.Path)[1].Commit.Files.ToDictionary(f => f.Path);
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));

        Assert.NotNull(changes["early.dat"].Hunks);
        Assert.Equal("a\n\0\nb\n", DiffRebuild.Apply("a\nb\n", changes["early.dat"]));
        Assert.Null(DiffRebuild.NewText("a\nb\n", changes["early.dat"]));
        Assert.Null(git.ReadText(changes["early.dat"].NewBlob!));
        Assert.Equal(git.ReadText(changes["late.dat"].NewBlob!), DiffRebuild.NewText(git.ReadText(changes["late.dat"].OldBlob!)!, changes["late.dat"]));
    }

    [Fact]
    public void A_mode_change_keeps_the_text_and_a_rename_with_an_edit_is_rebuilt_from_the_old_path()
    {
        _repo.Write("run.sh", "echo one\n").Write("a/lock.txt", Ten + Ten + Ten).Commit("first");
        // The mode set in the index (with the work tree's mode ignored, so the commit's "add" keeps it): 100644 to 100755.
        _repo.Git("config", "core.fileMode", "false");
        _repo.Git("update-index", "--chmod=+x", "run.sh");
        File.Delete(Path.Combine(_repo.Path, "a/lock.txt"));
        _repo.Write("b/lock.txt", Ten + Ten.Replace("six", "SIX", StringComparison.Ordinal) + Ten).Commit("second");
        var changes = Scan.Commits(_repo.Path)[1].Commit.Files.ToDictionary(f => f.Path);
        using var git = new CatFileBlobReader(GitRepository.Open(_repo.Path));

        Assert.Equal(DiffHunks.None, changes["run.sh"].Hunks);
        Assert.Equal("echo one\n", DiffRebuild.NewText("echo one\n", changes["run.sh"]));
        var moved = changes["b/lock.txt"];
        Assert.Equal((FileChangeKind.Renamed, "a/lock.txt"), (moved.Kind, moved.OldPath));
        Assert.Equal(git.ReadText(moved.NewBlob!), DiffRebuild.NewText(Ten + Ten + Ten, moved));
    }

    [Fact]
    public void Hunk_headers_that_lie_are_not_followed_or_give_no_text()
    {
        // The old version is Ten; each log claims a change the headers or lines do not bear out.
        string Log(string hunk) =>
            "\u0001" + new string('1', 40) + "\0\0A\0a@x\02026-12-07T11:35:14+00:00\0A\0a@x\02026-12-07T11:35:14+00:00\0s\n\n" +
            ":100644 100644 " + new string('a', 40) + " " + new string('b', 40) + " M\ta.txt\n\n" +
            "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n" + hunk;
        GitFileChange Change(string hunk) => Assert.Single(new GitLogParser(new MemoryStream(Encoding.UTF8.GetBytes(Log(hunk)))).Next()!.Files);

        // The truth, as git prints it: rebuilt.
        Assert.Equal(Ten.Replace("five", "FIVE", StringComparison.Ordinal), DiffRebuild.NewText(Ten, Change("@@ -5 +5 @@\n-five\n+FIVE\n")));
        // The removed line is line 5's, the header says line 3.
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -3 +3 @@\n-five\n+FIVE\n")));
        // The new side does not sit where the old side puts it.
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -5 +7 @@\n-five\n+FIVE\n")));
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -2 +2 @@\n-two\n+TWO\n@@ -5,0 +5 @@\n+FIVE\n")));
        // More lines removed than the header names, or fewer.
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -5 +5 @@\n-five\n-six\n+FIVE\n")));
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -5,2 +5 @@\n-five\n+FIVE\n")));
        // Hunks out of order, or past the end of the file.
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -5 +5 @@\n-five\n+FIVE\n@@ -2 +2 @@\n-two\n+TWO\n")));
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -11 +11 @@\n-eleven\n+ELEVEN\n")));
        // "No newline" said of the old version's line 5, or where git never prints it: not its last line, or not after a line.
        Assert.Null(DiffRebuild.NewText(Ten, Change("@@ -5 +5 @@\n-five\n\\ No newline at end of file\n+FIVE\n")));
        Assert.Null(Change("@@ -5 +5 @@\n\\ No newline at end of file\n-five\n+FIVE\n").Hunks);
        // Lines added after a last line that has no newline would join it.
        Assert.Null(DiffRebuild.NewText("one\ntwo", Change("@@ -2,0 +3 @@\n+three\n")));
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

    // The lines of a text and whether each ends with a newline (the last may not), and back.
    private static List<(string Text, bool Newline)> Lines(string text)
    {
        var parts = text.Split('\n');
        var lines = parts[..^1].Select(p => (p, true)).ToList();
        if (parts[^1].Length > 0) lines.Add((parts[^1], false));
        return lines;
    }

    private static string Join(IEnumerable<(string Text, bool Newline)> lines) => string.Concat(lines.Select(l => l.Newline ? l.Text + "\n" : l.Text));

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
