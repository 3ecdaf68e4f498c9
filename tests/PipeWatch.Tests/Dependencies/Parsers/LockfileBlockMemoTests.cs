using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A lockfile read through a <see cref="LockfileBlockMemo"/> (as a history scan reads each version: only the entries an earlier
/// version did not have are parsed) gives exactly what the whole-file parse gives: packages, every field, lines and problems, on
/// every corpus lockfile, on versions made by editing them (entries moved, added, removed), and on shapes that must not be split.
/// </summary>
public sealed class LockfileBlockMemoTests
{
    /// <summary>Every corpus pnpm-lock.yaml and yarn.lock, as (the name its parser takes, the corpus file); <see cref="LockfileLayoutTests"/> reads them too.</summary>
    public static TheoryData<string, string> CorpusFiles() =>
    [
        .. new[] { ("pnpmlock", "pnpm-lock.yaml"), ("yarnlock", "yarn.lock") }
            .SelectMany(f => Directory.GetFiles(Corpus.File("lockfiles", "osv-scalibr", "javascript", f.Item1)).Select(p => (f.Item2, Path.GetFileName(p)!)))
            .Order(),
    ];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_lockfile_and_its_edited_versions_read_the_same_through_the_memo(string name, string file)
    {
        var parser = LockfileParsers.For(name)!;
        var text = File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "javascript", name == "yarn.lock" ? "yarnlock" : "pnpmlock", file));
        var memo = new LockfileBlockMemo();

        // The file, then versions a commit could make of it, then the file again (every entry held by then).
        foreach (var version in (string[])[text, .. Edits(text), text, text.Replace("\n", "\r\n", StringComparison.Ordinal)])
            Assert.Equal(Whole(parser, name, version), Memo(parser, name, version, memo));
    }

    [Fact]
    public void Entries_a_version_shares_with_an_earlier_one_are_not_parsed_again()
    {
        var parser = new PnpmLockParser();
        var memo = new LockfileBlockMemo();
        var text = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  b@2.0.0:\n    resolution: {integrity: sha512-b}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      b: 2.0.0\n  b@2.0.0: {}\n";
        parser.Parse("pnpm-lock.yaml", text, memo);
        Assert.Equal((0L, 5L), memo.Counts);

        // b moves to 2.0.1: its two entries are new, the rest (a's entries, the top) come from the memo.
        var next = text.Replace("b@2.0.0", "b@2.0.1", StringComparison.Ordinal).Replace("b: 2.0.0", "b: 2.0.1", StringComparison.Ordinal).Replace("sha512-b", "sha512-c", StringComparison.Ordinal);
        var parse = parser.Parse("pnpm-lock.yaml", next, memo);

        Assert.Equal((2L, 8L), memo.Counts);
        Assert.Equal(Whole(parser, "pnpm-lock.yaml", next), PnpmLockReadersTests.Text(parse));
        Assert.Equal(["npm|a|1.0.0|True|9|b", "npm|b|2.0.1|False|11|"], parse.Dependencies.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Line}|{string.Join(',', d.Requires)}"));
    }

    [Fact]
    public void An_entry_whose_snapshots_a_change_did_not_touch_keeps_its_requirements_list_and_one_that_changed_gets_a_new_one()
    {
        var parser = new PnpmLockParser();
        var memo = new LockfileBlockMemo();
        var text = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  b@2.0.0:\n    resolution: {integrity: sha512-b}\n  c@3.0.0:\n    resolution: {integrity: sha512-c}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      b: 2.0.0\n  b@2.0.0:\n    dependencies:\n      c: 3.0.0\n  c@3.0.0: {}\n";
        var first = parser.Parse("pnpm-lock.yaml", text, memo).Dependencies;

        // a now also needs c: a's snapshot changed, b's did not.
        var next = text.Replace("      b: 2.0.0\n", "      b: 2.0.0\n      c: 3.0.0\n", StringComparison.Ordinal);
        var second = parser.Parse("pnpm-lock.yaml", next, memo).Dependencies;

        Assert.Equal(Whole(parser, "pnpm-lock.yaml", next), PnpmLockReadersTests.Text(parser.Parse("pnpm-lock.yaml", next, memo)));
        Assert.Equal(["b", "c"], second[0].Requires);
        Assert.NotSame(first[0].Requires, second[0].Requires);
        Assert.Same(first[1].Requires, second[1].Requires);
        Assert.Equal(["c"], second[1].Requires);
    }

    [Theory]
    [InlineData("a quoted scalar swallowing a section", "lockfileVersion: '9.0'\nnote: \"abc\npackages:\n  a@1.0.0: {}\n\"\n")]
    [InlineData("a key written twice in two entries", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  a@1.0.0:\n    resolution: {integrity: sha512-b}\n")]
    [InlineData("a section written twice", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\npackages:\n  b@1.0.0: {}\n")]
    [InlineData("a quoted section name beside a plain one", "lockfileVersion: '9.0'\n\"packages\":\n  a@1.0.0: {}\npackages:\n  b@1.0.0: {}\n")]
    [InlineData("an entry spilling onto a line at the entries' indent", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {resolution: {integrity: sha512-a},\n  dev: true}\n  b@1.0.0: {}\n")]
    [InlineData("a deeper line before the first entry", "lockfileVersion: '9.0'\npackages:\n    a@1.0.0: {}\n")]
    [InlineData("comments and blank lines inside a section", "lockfileVersion: '9.0'\npackages:\n# top comment\n\n  a@1.0.0:\n    # inside\n    resolution: {integrity: sha512-a}\n  # between\n\n  b@1.0.0: {}\n# last\nsnapshots:\n  a@1.0.0: {}\n")]
    [InlineData("a tab where the indent should be", "lockfileVersion: '9.0'\npackages:\n\ta@1.0.0: {}\n")]
    [InlineData("anchors across entries", "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    resolution: &r {integrity: sha512-a}\n  /b@1.0.0:\n    resolution: *r\n")]
    [InlineData("two documents", "packages:\n  /a@1.0.0: {}\n---\nlockfileVersion: '6.0'\npackages:\n  /b@2.0.0: {}\n")]
    [InlineData("a section with no entries", "lockfileVersion: '9.0'\npackages:\nsnapshots:\n  a@1.0.0: {}\n")]
    [InlineData("no final newline", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}")]
    [InlineData("the marker's own name used as a key", "lockfileVersion: '9.0'\npackages:\n  __pipewatch_section_2: {}\n")]
    [InlineData("broken YAML in one entry", "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0: {resolution: [\n  /b@1.0.0: {}\n")]
    public void Pnpm_shapes_that_must_not_be_split_read_as_the_whole_file_reads(string shape, string text)
    {
        var parser = new PnpmLockParser();

        Assert.Equal(Whole(parser, "pnpm-lock.yaml", text), Memo(parser, "pnpm-lock.yaml", text, new LockfileBlockMemo()));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void A_quoted_scalar_that_swallows_a_section_is_not_taken_for_one()
    {
        var text = "lockfileVersion: '9.0'\nnote: \"abc\npackages:\n  a@1.0.0: {}\n\"\n";

        Assert.Null(PnpmLockBlocks.Read(text, new LockfileBlockMemo()));
        Assert.Empty(new PnpmLockParser().Parse("pnpm-lock.yaml", text, new LockfileBlockMemo()).Dependencies);
    }

    [Theory]
    [InlineData("an indented line before any entry", "  version \"1.0.0\"\na@^1:\n  version \"1.0.0\"\n")]
    [InlineData("a header without its colon", "a@^1:\n  version \"1.0.0\"\nb@^1\n  version \"1.0.0\"\n")]
    [InlineData("comments, blank and whitespace-only lines", "# yarn lockfile v1\n\n\na@^1:\n  version \"1.0.0\"\n   \n  dependencies:\n    b \"^1\"\n  \n# between\nb@^1:\n  version \"1.0.0\"\n")]
    [InlineData("berry with a workspace", "__metadata:\n  version: 6\n\n\"a@npm:^1\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n\n\"root@workspace:.\":\n  version: 0.0.0\n  resolution: \"root@workspace:.\"\n  dependencies:\n    a: ^1\n")]
    [InlineData("no final newline", "a@^1:\n  version \"1.0.0\"")]
    [InlineData("an empty file", "")]
    public void Yarn_shapes_read_as_the_whole_file_reads(string shape, string text)
    {
        var parser = new YarnLockParser();
        var memo = new LockfileBlockMemo();

        Assert.Equal(Whole(parser, "yarn.lock", text), Memo(parser, "yarn.lock", text, memo));
        Assert.Equal(Whole(parser, "yarn.lock", text), Memo(parser, "yarn.lock", text, memo));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void The_memo_starts_again_past_its_bound_and_still_reads_right()
    {
        var parser = new YarnLockParser();
        var memo = new LockfileBlockMemo();
        var big = string.Concat(Enumerable.Range(0, 2_000).Select(i => $"p{i}@^1:\n  version \"1.0.{i}\"\n  resolved \"https://registry.yarnpkg.com/p{i}/-/p{i}-1.0.{i}.tgz#{new string('a', 9_000)}\"\n"));

        for (var round = 0; round < 2; round++) Assert.Equal(Whole(parser, "yarn.lock", big), Memo(parser, "yarn.lock", big, memo));

        // 2,000 entries of ~9,050 characters are past the 16 M bound: the memo let go and parsed entries again.
        var (hits, misses) = memo.Counts;
        Assert.Equal(4_000, hits + misses);
        Assert.InRange(misses, 2_001, 4_000);
    }

    // Versions a commit could make: the first entry removed, an entry added at the top, an entry's version changed.
    private static IEnumerable<string> Edits(string text)
    {
        var lines = text.Split('\n');
        var firstEntry = Array.FindIndex(lines, l => l.StartsWith("  ", StringComparison.Ordinal) && l.Length > 2 && l[2] != ' ' && l.TrimEnd().EndsWith(':'));
        var yarnEntry = Array.FindIndex(lines, l => l.Length > 0 && !char.IsWhiteSpace(l[0]) && !l.StartsWith('#') && l.EndsWith(':'));
        var at = text.Contains("lockfileVersion", StringComparison.Ordinal) ? firstEntry : yarnEntry;
        if (at < 0) yield break;
        var end = at + 1;
        while (end < lines.Length && (lines[end].Length == 0 || lines[end].StartsWith(at == firstEntry && firstEntry >= 0 && text.Contains("lockfileVersion", StringComparison.Ordinal) ? "   " : " ", StringComparison.Ordinal))) end++;
        yield return string.Join('\n', lines[..at].Concat(lines[end..]));
        yield return string.Join('\n', lines[..at].Concat(lines[at..end].Select(l => l.Replace("1", "7", StringComparison.Ordinal))).Concat(lines[at..]));
        yield return text.Replace("1.0.0", "1.0.1", StringComparison.Ordinal);
    }

    /// <summary>What the whole-file parse reads (<see cref="PnpmLockReadersTests.Text"/>): the reference every memo path is compared with.</summary>
    internal static List<string> Whole(ILockfileParser parser, string name, string text) => PnpmLockReadersTests.Text(parser.Parse(name, text));

    /// <summary>What the parse through <paramref name="memo"/> reads, as <see cref="Whole"/> gives it.</summary>
    internal static List<string> Memo(ILockfileParser parser, string name, string text, LockfileBlockMemo memo) => PnpmLockReadersTests.Text(parser.Parse(name, text, memo));
}
