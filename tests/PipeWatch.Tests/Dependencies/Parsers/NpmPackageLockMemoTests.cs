using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A <c>package-lock.json</c> read through a <see cref="LockfileBlockMemo"/> (each entry parsed once per text, as a history scan
/// reads each version) gives exactly what the whole-file parse gives — packages, every field, lines, problems — on every corpus
/// file and versions made by editing it, and on shapes that must fall back to the whole parse.
/// </summary>
public sealed class NpmPackageLockMemoTests
{
    private static readonly NpmPackageLockParser Parser = new();

    public static TheoryData<string> CorpusFiles() =>
    [
        .. Directory.GetFiles(Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson"), p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_file_and_its_edited_versions_read_the_same_through_the_memo(string file)
    {
        var text = File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson", file));
        var memo = new LockfileBlockMemo();

        // The file, versions a commit could make of it, then the file again (every entry held by then).
        string[] versions =
        [
            text,
            text.Replace("\"version\": \"", "\"version\": \"9", StringComparison.Ordinal),
            text.Replace("\"dev\": true", "\"dev\": false", StringComparison.Ordinal),
            text.Replace("\"requires\": {", "\"requires\": {\n        \"added-by-edit\": \"^1.0.0\",", StringComparison.Ordinal),
            text,
            text.Replace("\n", "\r\n", StringComparison.Ordinal),
        ];
        foreach (var version in versions) Assert.Equal(Whole(version), Memo(version, memo));
    }

    [Fact]
    public void A_version_re_reads_only_the_entries_it_changed_and_keeps_lines_and_direct_flags()
    {
        var memo = new LockfileBlockMemo();
        var text = """
            {
              "name": "app",
              "lockfileVersion": 3,
              "packages": {
                "": {
                  "dependencies": { "a": "^1.0.0" }
                },
                "node_modules/a": {
                  "version": "1.0.0",
                  "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
                  "dependencies": { "b": "^2.0.0" }
                },
                "node_modules/b": {
                  "version": "2.0.0",
                  "dev": true
                }
              }
            }
            """;
        Parser.Parse("package-lock.json", text, memo);
        // The project entry is held twice (its requirements, and as an entry): 4 parses.
        Assert.Equal((0L, 4L), memo.Counts);

        // b moves to 2.0.1 and a line is added above it: one entry parsed, the others read again, the lines follow the text.
        var next = text.Replace("\"version\": \"2.0.0\"", "\"version\": \"2.0.1\"", StringComparison.Ordinal)
            .Replace("\"node_modules/b\": {", "\"node_modules/b\": {\n      \"license\": \"MIT\",", StringComparison.Ordinal);
        var parse = Parser.Parse("package-lock.json", next, memo);

        Assert.Equal((3L, 5L), memo.Counts);
        Assert.Equal(Whole(next), NpmText(parse));
        Assert.Equal(["a|1.0.0|True|8|False|b", "b|2.0.1|False|13|True|"], parse.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}|{d.Dev}|{string.Join(',', d.Requires)}"));
    }

    [Fact]
    public void Version_1_nested_entries_come_from_their_top_level_entry_and_direct_follows_the_whole_file()
    {
        var memo = new LockfileBlockMemo();
        var text = """
            {
              "lockfileVersion": 1,
              "dependencies": {
                "a": {
                  "version": "1.0.0",
                  "requires": { "b": "^1.0.0" },
                  "dependencies": {
                    "b": { "version": "1.0.0" }
                  }
                },
                "b": { "version": "2.0.0" },
                "c": { "version": "npm:real-c@3.0.0" }
              }
            }
            """;
        Assert.Equal(["a|1.0.0|True|4", "b|1.0.0|False|8", "b|2.0.0|False|11", "real-c|3.0.0|True|12"],
            Parser.Parse("package-lock.json", text, memo).Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}"));

        // c now requires a: a stops being direct though its own entry did not change (held, not parsed again).
        var next = text.Replace("\"version\": \"npm:real-c@3.0.0\" }", "\"version\": \"npm:real-c@3.0.0\", \"requires\": { \"a\": \"^1.0.0\" } }", StringComparison.Ordinal);
        var parse = Parser.Parse("package-lock.json", next, memo);

        Assert.Equal((2L, 4L), memo.Counts);
        Assert.Equal(Whole(next), NpmText(parse));
        Assert.False(parse.Dependencies[0].Direct);
    }

    [Theory]
    [InlineData("not JSON", "{ \"packages\": { \"node_modules/a\": { \"version\": \"1.0.0\" } ")]
    [InlineData("text after the root object", "{ \"packages\": { \"node_modules/a\": { \"version\": \"1.0.0\" } } } x")]
    [InlineData("an array at the root", "[ { \"packages\": {} } ]")]
    [InlineData("empty", "  ")]
    [InlineData("non-ASCII text", "{ \"packages\": { \"node_modules/a\": { \"version\": \"1.0.0\", \"description\": \"caf\u00e9\" } } }")]
    [InlineData("packages written twice", "{ \"packages\": { \"node_modules/a\": { \"version\": \"1.0.0\" } }, \"packages\": { \"node_modules/b\": { \"version\": \"2.0.0\" } } }")]
    [InlineData("the project entry written twice", "{ \"packages\": { \"\": { \"dependencies\": { \"a\": \"1\" } }, \"node_modules/a\": { \"version\": \"1.0.0\" }, \"\": {} } }")]
    [InlineData("the project entry not an object", "{ \"packages\": { \"\": 1, \"node_modules/a\": { \"version\": \"1.0.0\" } } }")]
    [InlineData("packages not an object, v1 dependencies beside it", "{ \"packages\": [], \"dependencies\": { \"a\": { \"version\": \"1.0.0\" } } }")]
    [InlineData("dependencies not an object", "{ \"dependencies\": \"a\" }")]
    [InlineData("no sections", "{ \"name\": \"x\" }")]
    [InlineData("comments and trailing commas", "{ // top\n  \"packages\": { /* c */ \"node_modules/a\": /* v */ { \"version\": \"1.0.0\", }, \"node_modules/b\": 5, },\n}")]
    [InlineData("a needle found earlier in the text than its entry", "{ \"x\": \"\\\"node_modules/a\\\": {\",\n \"packages\": {\n \"node_modules/a\": {\"version\": \"1.0.0\"},\n \"node_modules/b\": {\"version\": \"2.0.0\"}\n } }")]
    [InlineData("an escaped entry name", "{ \"packages\": {\n \"node_modules/\\u0061\": {\"version\": \"1.0.0\"} } }")]
    [InlineData("a link and a workspace folder", "{ \"packages\": { \"\": {\"workspaces\": [\"w\"]}, \"w\": {\"version\": \"1.0.0\"}, \"node_modules/w\": {\"resolved\": \"w\", \"link\": true} } }")]
    public void Shapes_read_as_the_whole_file_reads(string shape, string text)
    {
        var memo = new LockfileBlockMemo();

        Assert.Equal(Whole(text), Memo(text, memo));
        Assert.Equal(Whole(text), Memo(text, memo));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void A_root_that_is_not_an_object_is_a_problem_not_a_crash()
    {
        var parse = Parser.Parse("package-lock.json", "[ { \"packages\": {} } ]", new LockfileBlockMemo());

        Assert.Empty(parse.Dependencies);
        Assert.Equal("expected a JSON object, found array", Assert.Single(parse.Problems).Reason);
    }

    private static List<string> Whole(string text) => NpmText(Parser.Parse("package-lock.json", text));

    private static List<string> Memo(string text, LockfileBlockMemo memo) => NpmText(Parser.Parse("package-lock.json", text, memo));

    private static List<string> NpmText(LockfileParse parse) => PnpmLockReadersTests.Text(parse);
}
