using PipeWatch.Bench;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A lockfile version made from the previous version's <see cref="LockfileLayout"/> and the change's <c>-U0</c> hunks
/// (<see cref="ILockfileParser.Follow"/>, as a history scan makes each version) gives exactly what the whole-file parse gives:
/// packages, every field, lines and problems, on every corpus pnpm and yarn lockfile edited at its start, its end, across
/// entries, by deleting a whole entry, with CRLF; and text it must not follow gives null (the scan then parses it whole).
/// </summary>
public sealed partial class LockfileLayoutTests
{
    [Theory]
    [MemberData(nameof(LockfileBlockMemoTests.CorpusFiles), MemberType = typeof(LockfileBlockMemoTests))]
    public void Every_corpus_lockfile_edited_anywhere_follows_to_what_the_whole_parse_gives(string name, string file)
    {
        var parser = LockfileParsers.For(name)!;
        var text = CorpusText(name, file);
        var followedAny = false;
        foreach (var (shape, old, next, lineEdits) in EditedVersions(name, text))
        {
            var first = parser.Parse(name, old, new LockfileBlockMemo());
            if (first.Layout is null) continue;
            var whole = PnpmLockReadersTests.Text(parser.Parse(name, next));
            var followed = parser.Follow(name, next, new LockfileBlockMemo(), first.Layout, lineEdits);
            // Following may give up (the scan then parses the text whole), but never gives another answer.
            if (followed is not null) Assert.True(whole.SequenceEqual(PnpmLockReadersTests.Text(followed)), $"{file}: {shape}");
            followedAny |= followed is not null;
        }

        // A file that splits is followed through some of its edits (at the least the added line at its end).
        Assert.Equal(parser.Parse(name, text, new LockfileBlockMemo()).Layout is { Segments.Count: > 0 }, followedAny);
    }

    [Fact]
    public void A_yarn_version_bump_follows_with_the_lines_of_the_entries_after_it_moved()
    {
        var parser = new YarnLockParser();
        const string old = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n  dependencies:\n    b \"^2\"\n\nb@^2:\n  version \"2.0.0\"\n";
        const string next = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.1\"\n  resolved \"https://registry.yarnpkg.com/a/-/a-1.0.1.tgz\"\n  dependencies:\n    b \"^2\"\n\nb@^2:\n  version \"2.0.0\"\n";
        var memo = new LockfileBlockMemo();
        var layout = parser.Parse("yarn.lock", old, memo).Layout!;

        var followed = parser.Follow("yarn.lock", next, memo, layout, [new LineEdit(4, 1, 4, 2)])!;

        Assert.Equal(["a|1.0.1|True|3", "b|2.0.0|False|9"], followed.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}"));
        // Only a's entry was read again: b's came over from the old layout, at its new line.
        Assert.Equal((0L, 3L), memo.Counts);
        Assert.Same(layout.Segments[^1], followed.Layout!.Segments[^1]);
    }

    [Fact]
    public void A_pnpm_version_bump_reads_only_its_entries_and_the_changed_importers()
    {
        var parser = new PnpmLockParser();
        const string old = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  b@2.0.0:\n    resolution: {integrity: sha512-b}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      b: 2.0.0\n  b@2.0.0: {}\n";
        var next = old.Replace("b@2.0.0", "b@2.0.1", StringComparison.Ordinal).Replace("b: 2.0.0", "b: 2.0.1", StringComparison.Ordinal).Replace("sha512-b", "sha512-c", StringComparison.Ordinal);
        var memo = new LockfileBlockMemo();
        var layout = parser.Parse("pnpm-lock.yaml", old, memo).Layout!;

        var followed = parser.Follow("pnpm-lock.yaml", next, memo, layout, [new LineEdit(11, 2, 11, 2), new LineEdit(16, 2, 16, 2)])!;

        Assert.Equal(["npm|a|1.0.0|True|9|b", "npm|b|2.0.1|False|11|"], followed.Dependencies.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Line}|{string.Join(',', d.Requires)}"));
        Assert.Equal(PnpmLockReadersTests.Text(parser.Parse("pnpm-lock.yaml", next)), PnpmLockReadersTests.Text(followed));
        // The touched entries and the package entry above them (whose lines an edit may continue) are looked up; the top is not.
        Assert.Equal((1L, 8L), memo.Counts);
        Assert.Same(((PnpmLockRest)layout.Whole!).Top, ((PnpmLockRest)followed.Layout!.Whole!).Top);
    }

    [Theory]
    [InlineData("edits past the end of the old text", 40, 1)]
    [InlineData("edits out of order", 3, 1)]
    [InlineData("a count that overflows past the old text", 2, int.MaxValue)]
    public void Edits_that_do_not_fit_the_old_version_give_null(string shape, int oldStart, int oldCount)
    {
        var parser = new YarnLockParser();
        const string old = "a@^1:\n  version \"1.0.0\"\nb@^2:\n  version \"2.0.0\"\n";
        var layout = parser.Parse("yarn.lock", old).Layout!;
        LineEdit[] edits = shape.Contains("order", StringComparison.Ordinal) ? [new LineEdit(oldStart, oldCount, oldStart, oldCount), new LineEdit(1, 1, 1, 1)] : [new LineEdit(oldStart, oldCount, oldStart, 1)];

        Assert.Null(parser.Follow("yarn.lock", old, new LockfileBlockMemo(), layout, edits));
    }

    [Theory]
    [InlineData("yarn.lock", "a@^1:\n  version \"1.0.0\"\nb@^2:\n  version \"2.0.0\"\n", "a@^1:\n  version \"1.0.0\"\nb@^2\n  version \"2.0.0\"\n", 3)]
    [InlineData("yarn.lock", "a@^1:\n  version \"1.0.0\"\nb@^2:\n  version \"2.0.0\"\n", "  stray\n  version \"1.0.0\"\nb@^2:\n  version \"2.0.0\"\n", 1)]
    [InlineData("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n  b@1.0.0: {}\n", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n  a@1.0.0: {}\n", 4)]
    [InlineData("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n  b@1.0.0: {}\n", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n  b@1.0.0: {resolution: [\n", 4)]
    [InlineData("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n  b@1.0.0: {}\n", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n  b@1.0.0: &x {}\n", 4)]
    public void Hostile_or_malformed_lines_in_a_change_are_left_to_the_whole_parse(string name, string old, string next, int line)
    {
        var parser = LockfileParsers.For(name)!;
        var layout = parser.Parse(name, old, new LockfileBlockMemo()).Layout!;

        Assert.Null(parser.Follow(name, next, new LockfileBlockMemo(), layout, [new LineEdit(line, 1, line, 1)]));
    }

    [Fact]
    public void Normal_text_with_no_edit_follows_to_the_same_packages()
    {
        var parser = new YarnLockParser();
        const string text = "a@^1:\n  version \"1.0.0\"\n";
        var layout = parser.Parse("yarn.lock", text).Layout!;

        var followed = parser.Follow("yarn.lock", text, new LockfileBlockMemo(), layout, [])!;

        Assert.Equal(["a|1.0.0|1"], followed.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Line}"));
        Assert.Empty(followed.Problems);
    }

    /// <summary>The text of a corpus pnpm or yarn lockfile.</summary>
    internal static string CorpusText(string name, string file) =>
        File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "javascript", name == "yarn.lock" ? "yarnlock" : "pnpmlock", file));

    /// <summary>
    /// Versions a commit could make of a lockfile (as it is, and with CRLF line ends), each with the <c>-U0</c> hunks git writes:
    /// lines added and removed at its ends, every version bumped, an entry deleted, inserted, copied at a raised version, its
    /// header changed, its hash changed, split across hunks.
    /// </summary>
    internal static IEnumerable<(string Shape, string Old, string Next, LineEdit[] Edits)> EditedVersions(string name, string text)
    {
        foreach (var old in (string[])[text, text.Replace("\n", "\r\n", StringComparison.Ordinal)])
        {
            var lines = OneHunkDiff.Lines(old);
            var newline = old.Contains('\r', StringComparison.Ordinal) ? "\r\n" : "\n";
            var header = Array.FindIndex(lines, l => IsHeader(name, l));
            var entry = name == "yarn.lock" ? "zz-added@^1:" + newline + "  version \"1.0.0\"" + newline : "  zz-added@1.0.0:" + newline + "    resolution: {integrity: sha512-zz}" + newline;
            var edits = new List<(string Case, (int At, int Remove, string[] Insert)[] Hunks)>
            {
                ("a line inserted at the start", [(0, 0, ["# added" + newline])]),
                ("a line appended at the end", [(lines.Length, 0, [newline])]),
                ("the first line removed", [(0, Math.Min(1, lines.Length), [])]),
                ("the last line removed", [(Math.Max(0, lines.Length - 1), Math.Min(1, lines.Length), [])]),
                ("every line's version bumped", [.. lines.Select((l, i) => (i, 1, new[] { l.Replace("1.0.0", "1.0.1", StringComparison.Ordinal) })).Where(h => h.Item3[0] != lines[h.i])]),
            };
            if (header >= 0)
            {
                var end = header + 1;
                while (end < lines.Length && !IsHeader(name, lines[end]) && (lines[end].StartsWith(' ') || lines[end].Trim().Length == 0)) end++;
                edits.Add(("a whole entry deleted", [(header, end - header, [])]));
                edits.Add(("an entry inserted before the first", [(header, 0, [entry])]));
                edits.Add(("an entry's header line replaced", [(header, 1, [lines[header].Replace(":", " :", StringComparison.Ordinal)])]));
                // A hunk that ends inside one entry and one that starts inside the next: the entries are split across hunks.
                if (end - header > 2) edits.Add(("two hunks across one entry", [(header + 1, 1, ["  version \"9.9.9\"" + newline, entry]), (end - 1, 1, [])]));
                edits.Add(("lines inserted after an entry's last line", [(end, 0, ["    extra: value" + newline])]));
                // A bot's bump: the entry's versions raised in place, or a copy of it at the raised version beside it.
                var raised = lines[header..end].Select(l => VersionNumber().Replace(l, "$1.$2.999")).ToArray();
                edits.Add(("an entry's versions raised in place", [(header, end - header, raised)]));
                edits.Add(("an entry copied at a raised version", [(end, 0, raised)]));
                var hash = Array.FindIndex(lines, header, end - header, l => l.Contains("sha512-", StringComparison.Ordinal) || l.Contains("sha1-", StringComparison.Ordinal));
                if (hash >= 0) edits.Add(("an entry's hash replaced", [(hash, 1, [lines[hash].Replace("sha512-", "sha512-X", StringComparison.Ordinal).Replace("sha1-", "sha1-X", StringComparison.Ordinal)])]));
            }

            foreach (var (shape, hunks) in edits)
            {
                var (next, lineEdits) = Apply(lines, hunks);
                yield return (shape, old, next, lineEdits);
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(\d+)\.(\d+)\.(\d+)")]
    private static partial System.Text.RegularExpressions.Regex VersionNumber();

    private static bool IsHeader(string name, string line) =>
        name == "yarn.lock" ? line.Length > 0 && !char.IsWhiteSpace(line[0]) && !line.StartsWith('#') && line.TrimEnd().EndsWith(':')
            : line.StartsWith("  ", StringComparison.Ordinal) && line.Length > 2 && line[2] != ' ' && line.TrimEnd().EndsWith(':');

    // The new text and the -U0 hunks git writes for it: each hunk replaces `Remove` lines from 0-based line `At` (in the old
    // text, in order) with the inserted lines.
    internal static (string Text, LineEdit[] Edits) Apply(string[] lines, (int At, int Remove, string[] Insert)[] hunks)
    {
        var result = new List<string>();
        var edits = new List<LineEdit>();
        var at = 0;
        foreach (var (start, remove, insert) in hunks)
        {
            result.AddRange(lines[at..start]);
            var newStart = result.Count + 1;
            result.AddRange(insert);
            // "-a,0" inserts after old line a, "+c,0" deletes after new line c.
            edits.Add(new LineEdit(remove == 0 ? start : start + 1, remove, insert.Length == 0 ? newStart - 1 : newStart, insert.Length));
            at = start + remove;
        }

        result.AddRange(lines[at..]);
        return (string.Concat(result), [.. edits]);
    }
}
