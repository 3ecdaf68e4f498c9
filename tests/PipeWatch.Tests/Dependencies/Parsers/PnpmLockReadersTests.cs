using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// pnpm lockfiles are read from YamlDotNet's event stream (<see cref="PnpmLockEvents"/>) and, when anything is unusual, through
/// the node tree (<see cref="PnpmLockParser.ParseTree"/>): both give exactly the same packages and problems, on every corpus
/// lockfile and on the shapes that send the event reader to the tree.
/// </summary>
public sealed class PnpmLockReadersTests
{
    private static readonly PnpmLockParser Parser = new();

    public static TheoryData<string> CorpusFiles() =>
        [.. Directory.GetFiles(Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_lockfile_reads_the_same_through_the_events_as_through_the_tree(string file)
    {
        var path = Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock", file);
        var text = File.ReadAllText(path);

        Assert.Equal(Text(PnpmLockParser.ParseTree(path, text)), Text(Parser.Parse(path, text)));
    }

    [Fact]
    public void Ordinary_lockfiles_are_read_from_the_events_without_the_tree()
    {
        foreach (var file in new[] { "commits.v9.yaml", "peer-dependencies-advanced.v9.yaml", "mixed-groups.v54.yaml", "scoped-packages.yaml", "tarball.yaml" })
        {
            var content = PnpmLockEvents.Read(File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock", file)));
            Assert.NotNull(content);
            Assert.NotEmpty(content.Packages);
        }
    }

    [Theory]
    [InlineData("v9 with snapshots, quoted keys", "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      '@scope/a':\n        specifier: ^1.0.0\n        version: 1.0.0(b@2.0.0)\npackages:\n  '@scope/a@1.0.0':\n    resolution: {integrity: sha512-aaa}\n  b@2.0.0:\n    resolution: {tarball: https://example.com/b-2.0.0.tgz}\n    dev: true\nsnapshots:\n  '@scope/a@1.0.0(b@2.0.0)':\n    dependencies:\n      b: 2.0.0\n    optionalDependencies:\n      c: 1.0.0\n  '@scope/a@1.0.0(b@3.0.0)':\n    dependencies:\n      d: 1.0.0\n      b: 3.0.0\n  b@2.0.0: {}\n", true)]
    [InlineData("v5 slash keys, git resolution, directory", "lockfileVersion: 5.4\ndependencies:\n  a: 1.0.0\n  '': 1\nspecifiers:\n  a: ^1\npackages:\n  /a/1.0.0_peer@2:\n    resolution: {repo: https://github.com/o/a, commit: abc}\n    dependencies:\n      x: 1\n      '': 2\n  /local/0.0.0:\n    resolution: {directory: ../local, type: directory}\n  /weird:\n    name: named\n    version: 9.9.9\n  /scalar/1.0.0: text\n  /listed/1.0.0: [1, 2]\n", true)]
    [InlineData("quoted names of the fields read", "'lockfileVersion': \"6.0\"\n\"packages\":\n  /a@1.0.0:\n    \"resolution\": {\"integrity\": sha512-q}\n    'dev': 'true'\n", true)]
    [InlineData("empty values and odd shapes", "lockfileVersion:\nimporters: []\npackages:\n  /a@1.0.0:\n    resolution:\n    dependencies: [x]\n  /b@1.0.0:\n    resolution: [tarball]\n    name: {x: 1}\nsnapshots: text\n", true)]
    [InlineData("a key written twice", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  a@1.0.0:\n    resolution: {integrity: sha512-b}\n", false)]
    [InlineData("a key written twice deep inside", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    engines: {node: '>=8', node: '>=10'}\n", false)]
    [InlineData("anchors and aliases", "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    resolution: &r {integrity: sha512-a}\n  /b@1.0.0:\n    resolution: *r\n", false)]
    [InlineData("tags", "lockfileVersion: !!str 6.0\npackages:\n  /a@1.0.0:\n    resolution: {integrity: !!str sha512-a}\n", false)]
    [InlineData("two documents", "packages:\n  /a@1.0.0: {}\n---\nlockfileVersion: '6.0'\npackages:\n  /b@2.0.0: {}\n", false)]
    [InlineData("a list at the top", "- a\n- b\n", false)]
    [InlineData("a complex key", "lockfileVersion: '6.0'\npackages:\n  ? [a, b]\n  : {}\n  /c@1.0.0: {}\n", false)]
    [InlineData("broken YAML", "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0: {resolution: [\n", false)]
    [InlineData("only a comment", "# nothing here\n", false)]
    public void The_event_reader_agrees_with_the_tree_or_leaves_the_file_to_it(string shape, string text, bool byEvents)
    {
        Assert.Equal(byEvents, PnpmLockEvents.Read(text) is not null);
        Assert.Equal(Text(PnpmLockParser.ParseTree("pnpm-lock.yaml", text)), Text(Parser.Parse("pnpm-lock.yaml", text)));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void Nesting_past_the_limit_is_the_trees_problem_not_a_crash()
    {
        var text = "packages:\n  /a@1.0.0: " + new string('[', 100_000) + "\n";

        Assert.Null(PnpmLockEvents.Read(text));
        var parse = Parser.Parse("pnpm-lock.yaml", text);
        Assert.Empty(parse.Dependencies);
        Assert.Contains("nested deeper than", Assert.Single(parse.Problems).Reason, StringComparison.Ordinal);
    }

    /// <summary>Everything a parse says, in order: each package's every field, then each problem.</summary>
    internal static List<string> Text(LockfileParse parse) =>
    [
        .. parse.Dependencies.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Source}|{d.Integrity}|{d.Line}|{d.Dev}|{string.Join(',', d.Requires)}"),
        .. parse.Problems.Select(p => $"problem|{p.File}|{p.Reason}|{p.Line}"),
    ];
}
