using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A TOML lockfile (uv.lock, poetry.lock, Cargo.lock) read through a <see cref="LockfileBlockMemo"/>, each <c>[[package]]</c>
/// block parsed once per text, gives exactly what the whole-file parse gives: packages, every field, lines and problems, on
/// every corpus file, on versions a commit could make of it, and on shapes that must be parsed whole.
/// </summary>
public sealed class TomlLockfileBlocksTests
{
    /// <summary>Every corpus uv.lock, poetry.lock and Cargo.lock, as (the name its parser takes, the corpus folder, the file).</summary>
    public static TheoryData<string, string, string> CorpusFiles() =>
    [
        .. new[] { ("uv.lock", "python", "uvlock"), ("poetry.lock", "python", "poetrylock"), ("Cargo.lock", "rust", "cargolock") }
            .SelectMany(f => Directory.GetFiles(Corpus.File("lockfiles", "osv-scalibr", f.Item2, f.Item3)).Select(p => (f.Item1, Path.Combine(f.Item2, f.Item3), Path.GetFileName(p)!)))
            .Order(),
    ];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_lockfile_and_its_edited_versions_read_the_same_through_the_memo(string name, string folder, string file)
    {
        var parser = LockfileParsers.For(name)!;
        var text = File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", folder, file));
        var memo = new LockfileBlockMemo();

        // The file, versions a commit could make of it, the file again (every block held by then), and with CRLF line ends.
        foreach (var version in (string[])[text, .. Edits(text), text, text.Replace("\n", "\r\n", StringComparison.Ordinal)])
            Assert.Equal(Whole(parser, name, version), Memo(parser, name, version, memo));
    }

    [Fact]
    public void Blocks_a_version_shares_with_an_earlier_one_are_not_parsed_again()
    {
        var parser = new UvLockParser();
        var memo = new LockfileBlockMemo();
        var text = UvLock(("flask", "3.0.0"), ("jinja2", "3.1.2"), ("markupsafe", "2.1.3"));
        parser.Parse("uv.lock", text, memo);
        Assert.Equal((0L, 5L), memo.Counts); // the top, three packages, the project

        // jinja2 moves to 3.1.4: its block is new, the top, the other packages and the project come from the memo.
        var next = text.Replace("\"3.1.2\"", "\"3.1.4\"", StringComparison.Ordinal);
        var parse = parser.Parse("uv.lock", next, memo);

        Assert.Equal((4L, 6L), memo.Counts);
        Assert.Equal(Whole(parser, "uv.lock", next), PnpmLockReadersTests.Text(parse));
        Assert.Equal(["flask|3.0.0|True|4", "jinja2|3.1.4|False|9", "markupsafe|2.1.3|False|14"], parse.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}"));
    }

    [Theory]
    [InlineData("a [[package]] line inside a multi-line string", "version = 1\nnote = \"\"\"\n[[package]]\nname = \"x\"\n\"\"\"\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n")]
    [InlineData("a root table after the packages", "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n\n[manifest]\nmembers = [\"a\"]\n")]
    [InlineData("a root table written twice, in the top and after a package", "version = 1\n[manifest]\nmembers = []\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[manifest]\nmembers = [\"a\"]\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n")]
    [InlineData("package already a key of the top", "package = []\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n")]
    [InlineData("a package's table written twice", "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n[package.metadata]\nx = 1\n[package.metadata]\nx = 2\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n")]
    [InlineData("broken TOML in one package", "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n")]
    [InlineData("a package's own tables", "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n[package.optional-dependencies]\ndev = [{ name = \"b\" }]\n\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n")]
    [InlineData("an indented header", "version = 1\n\n  [[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"c\"\nversion = \"1.0.0\"\n")]
    [InlineData("no final newline", "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"")]
    public void Shapes_that_must_not_be_cut_read_as_the_whole_file_reads(string shape, string text)
    {
        var memo = new LockfileBlockMemo();
        foreach (var name in (string[])["uv.lock", "poetry.lock", "Cargo.lock"])
        {
            var parser = LockfileParsers.For(name)!;
            Assert.Equal(Whole(parser, name, text), Memo(parser, name, text, memo));
            Assert.Equal(Whole(parser, name, text), Memo(parser, name, text, memo));
        }

        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Theory]
    [InlineData("an invalid escape in one package", "name = \"a\\q\"")]
    [InlineData("a NUL in one package", "name = \"a\u0000\"")]
    [InlineData("a terminal escape sequence in a name", "name = \"\u001b[31mred\u001b[0m\"")]
    [InlineData("a key written twice in one package", "name = \"a\"\nname = \"b\"")]
    [InlineData("an unterminated multi-line string", "name = \"\"\"a")]
    [InlineData("a table header inside a package that redefines the array", "[package]\nname = \"x\"")]
    public void Hostile_packages_read_as_the_whole_file_reads(string shape, string hostile)
    {
        var text = UvLock(("flask", "3.0.0"), ("jinja2", "3.1.2")).Replace("name = \"jinja2\"", hostile, StringComparison.Ordinal);
        var memo = new LockfileBlockMemo();
        var parser = new UvLockParser();

        for (var round = 0; round < 2; round++) Assert.Equal(Whole(parser, "uv.lock", text), Memo(parser, "uv.lock", text, memo));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void A_deeply_nested_value_in_one_package_reads_as_the_whole_file_reads()
    {
        var deep = "deps = " + new string('[', 400) + new string(']', 400);
        var text = UvLock(("flask", "3.0.0"), ("jinja2", "3.1.2")).Replace("name = \"jinja2\"", "name = \"jinja2\"\n" + deep, StringComparison.Ordinal);
        var parser = new UvLockParser();

        Assert.Equal(Whole(parser, "uv.lock", text), Memo(parser, "uv.lock", text, new LockfileBlockMemo()));
    }

    [Fact]
    public void A_huge_lockfile_past_the_memos_bound_reads_as_the_whole_file_reads()
    {
        // 20,000 packages of ~1 K characters: past the memo's 16 M characters, so it lets go and parses blocks again.
        var padding = new string('a', 900);
        var text = UvLock([.. Enumerable.Range(0, 20_000).Select(i => ($"p{i}-{padding}", $"1.0.{i}"))]);
        var parser = new UvLockParser();
        var memo = new LockfileBlockMemo();

        Assert.Equal(Whole(parser, "uv.lock", text), Memo(parser, "uv.lock", text, memo));
        Assert.Equal(20_000, parser.Parse("uv.lock", text, memo).Dependencies.Count);
    }

    // A uv.lock of a project (its own entry, virtual, last) that depends on the first package.
    private static string UvLock(params (string Name, string Version)[] packages) =>
        "version = 1\nrequires-python = \">=3.10\"\n"
        + string.Concat(packages.Select(p => $"\n[[package]]\nname = \"{p.Name}\"\nversion = \"{p.Version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n"))
        + $"\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [\n    {{ name = \"{packages[0].Name}\" }},\n]\n";

    // Versions a commit could make: the first package removed, a package added at the top, a version changed.
    private static IEnumerable<string> Edits(string text)
    {
        var first = text.IndexOf("[[package]]", StringComparison.Ordinal);
        if (first < 0) yield break;
        var second = text.IndexOf("[[package]]", first + 1, StringComparison.Ordinal);
        var end = second < 0 ? text.Length : second;
        yield return text[..first] + text[end..];
        yield return text[..first] + text[first..end].Replace("1", "7", StringComparison.Ordinal) + text[first..];
        yield return text.Replace("1.0.0", "1.0.1", StringComparison.Ordinal);
    }

    private static List<string> Whole(ILockfileParser parser, string name, string text) => LockfileBlockMemoTests.Whole(parser, name, text);

    private static List<string> Memo(ILockfileParser parser, string name, string text, LockfileBlockMemo memo) => LockfileBlockMemoTests.Memo(parser, name, text, memo);
}
