using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class YarnLockParserTests
{
    private static readonly YarnLockParser Parser = new();

    private static IReadOnlyList<Dependency> Read(string file) => Lockfile.Packages(Parser, "javascript", "yarnlock", file);

    [Theory]
    [InlineData("commits.v1.lock", 18)]
    [InlineData("commits.v2.lock", 7)]
    [InlineData("empty.v1.lock", 0)]
    [InlineData("empty.v2.lock", 0)]
    [InlineData("exclude-root.v2.lock", 1)]
    [InlineData("files.v1.lock", 6)]
    [InlineData("files.v2.lock", 1)]
    [InlineData("metadata-only.v2.lock", 0)]
    [InlineData("multiple-versions.v1.lock", 4)]
    [InlineData("multiple-versions.v2.lock", 3)]
    [InlineData("scoped-packages.v2.lock", 3)]
    [InlineData("with-aliases.v1.lock", 3)]
    [InlineData("with-aliases.v2.lock", 3)]
    [InlineData("with-build-string.v2.lock", 2)]
    [InlineData("with-prerelease.v1.lock", 5)]
    [InlineData("with-prerelease.v2.lock", 2)]
    [InlineData("with-quotes.v2.lock", 2)]
    public void Counts_every_package_but_workspaces(string file, int count) => Assert.Equal(count, Read(file).Count);

    [Fact]
    public void Classic_reads_version_resolved_url_integrity_and_line()
    {
        var match = Read("no-version.v1.lock").Single("balanced-match", "1.0.2");

        Assert.Equal(new DependencySource(SourceKind.Registry, "https://registry.yarnpkg.com/balanced-match/-/balanced-match-1.0.2.tgz#e83e3a7e3f300b34cb9d87f615fa0cbf357690ee"), match.Source);
        Assert.Equal("sha512-3oSeUO0TMV67hN1AmbXsK4yaqU7tjiHlbxRDZOpH0KW9+CeX4bRAaX0Anxt0tx2MrpRpWwQaPwIlISEJhYU5Pw==", match.Integrity);
        Assert.Equal(5, match.Line);
    }

    [Fact]
    public void Classic_git_and_local_sources_are_told_apart()
    {
        var commits = Read("commits.v1.lock");
        Assert.Equal(new DependencySource(SourceKind.Git, "git+ssh://git@github.com:G-Rath/npm-git-repo-2#0a2d2506c1fe299691fc5db53a2097db3bd615bc"), commits.Single("mine1", "1.0.0-alpha.37").Source);
        Assert.Equal(SourceKind.Git, commits.Single("mine2", "0.0.1").Source.Kind);
        var files = Read("files.v1.lock");
        Assert.Equal(new DependencySource(SourceKind.Path, "file:../../correct/path/filedep"), files.Single("filedep", "1.2.0").Source);
        Assert.Equal(["lodash", "filedep", "etag"], files.Single("other_package", "0.0.2").Requires);
        Assert.Equal(new DependencySource(SourceKind.Path, "link:./deps/etag"), files.Single("etag", "1.8.0").Source);
    }

    [Fact]
    public void Aliases_are_reported_under_the_real_package_name()
    {
        Assert.Equal(["ansi-regex@5.0.1", "ansi-regex@6.0.1", "@babel/helper-validator-identifier@7.22.20"], Read("with-aliases.v1.lock").Select(p => $"{p.Name}@{p.Version}"));
        Assert.Equal(["ansi-regex@5.0.1", "ansi-regex@6.0.1", "@babel/helper-validator-identifier@7.22.20"], Read("with-aliases.v2.lock").Select(p => $"{p.Name}@{p.Version}"));
    }

    [Fact]
    public void Berry_takes_direct_dependencies_from_the_workspace_and_git_from_the_resolution()
    {
        var packages = Read("with-build-string.v2.lock");

        var domino = packages.Single("domino", "2.1.6+git");
        Assert.Equal(new DependencySource(SourceKind.Git, "https://github.com/angular/domino.git#commit=f2435fe1f9f7c91ade0bd472c4723e5eacd7d19a"), domino.Source);
        Assert.True(domino.Direct);
        var tslib = packages.Single("tslib", "2.6.2");
        Assert.Equal(SourceKind.Registry, tslib.Source.Kind);
        Assert.StartsWith("329ea561", tslib.Integrity, StringComparison.Ordinal);
        Assert.True(tslib.Direct);
    }

    [Fact]
    public void A_line_that_is_neither_header_nor_field_is_a_problem_with_its_line()
    {
        var parse = Parser.Parse("yarn.lock", "# yarn lockfile v1\n\nleft-pad@^1.0.0:\n  version \"1.3.0\"\nthis is not yarn\n");

        Assert.Empty(parse.Dependencies);
        Assert.Equal(5, Assert.Single(parse.Problems).Line);
    }

    private const string Classic = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n  resolved \"https://registry.yarnpkg.com/a/-/a-1.0.0.tgz\"\n  dependencies:\n    b \"^2\"\n\nb@^2:\n  version \"2.0.0\"\n\nc@^3:\n  version \"3.0.0\"\n";

    private const string Berry = "__metadata:\n  version: 6\n  cacheKey: 8\n\n\"a@npm:^1.0.0\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n  checksum: aaa\n\n\"b@npm:^2.0.0\":\n  version: 2.0.0\n  resolution: \"b@npm:2.0.0\"\n  dependencies:\n    c: \"npm:^3.0.0\"\n\n\"c@npm:^3.0.0\":\n  version: 3.0.0\n  resolution: \"c@npm:3.0.0\"\n\n\"root@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"root@workspace:.\"\n  dependencies:\n    a: \"npm:^1.0.0\"\n";

    [Fact]
    public void An_entry_with_CRLF_comments_quoted_names_and_a_stray_quote_reads_each_field_as_written()
    {
        // The entry's lines are read over its block's characters: CR endings, a comment among the fields, a quoted scoped name
        // under dependencies, and a hostile lone quote (a name that is empty, kept as the whole-file reading always kept it).
        const string text = "# yarn lockfile v1\n\n"
            + "\"@scope/a@^1.0.0\", \"@scope/a@^1.1.0\":\r\n"
            + "  version \"1.2.0\"\r\n"
            + "  resolved \"https://registry.yarnpkg.com/@scope/a/-/a-1.2.0.tgz#abc\"\r\n"
            + "  # a comment among the fields\r\n"
            + "  integrity sha512-xyz\r\n"
            + "  dependencies:\r\n"
            + "    b \"^2.0.0\"\r\n"
            + "    \"@scope/c\" \"~3\"\r\n"
            + "    \"\r\n"
            + "  optionalDependencies:\r\n"
            + "    fsevents \"^2\"\r\n"
            + "\r\n"
            + "b@^2.0.0:\n"
            + "  version \"2.0.1\"\n"
            + "  checksum: 0123abcd\n";

        var parse = Parser.Parse("yarn.lock", text);

        Assert.Empty(parse.Problems);
        Assert.Equal(
            ["@scope/a|1.2.0|True|3|sha512-xyz|Registry|b,@scope/c,,fsevents", "b|2.0.1|False|15|0123abcd|Unknown|"],
            parse.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}|{d.Integrity}|{d.Source.Kind}|{string.Join(',', d.Requires)}"));
    }

    [Fact]
    public void A_followed_version_takes_over_the_dependencies_of_the_entries_its_change_did_not_touch()
    {
        var before = Parser.Parse("yarn.lock", Classic, new LockfileBlockMemo());
        var next = Classic.Replace("3.0.0", "3.0.1", StringComparison.Ordinal);

        var followed = Parser.Follow("yarn.lock", next, new LockfileBlockMemo(), before.Layout!, [Edit(Classic, next)])!;

        Assert.Equal(["a|1.0.0|True|3|a-1.0.0.tgz|b", "b|2.0.0|False|9|^2|", "c|3.0.1|True|12|^3|"], followed.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}|{d.Source.Location?.Split('/')[^1]}|{string.Join(',', d.Requires)}"));
        Assert.Same(before.Dependencies[0], followed.Dependencies[0]);
        Assert.Same(before.Dependencies[1], followed.Dependencies[1]);
        Assert.Equal(["c|3.0.1"], followed.Delta!.Added.Select(d => $"{d.Name}|{d.Version}"));
        Assert.Equal(Text(Parser.Parse("yarn.lock", next)), Text(followed));
    }

    [Fact]
    public void A_berry_version_takes_over_the_dependencies_of_the_entries_its_change_did_not_touch()
    {
        var before = Parser.Parse("yarn.lock", Berry, new LockfileBlockMemo());
        var next = Berry.Replace("checksum: aaa", "checksum: bbb", StringComparison.Ordinal);

        var followed = Parser.Follow("yarn.lock", next, new LockfileBlockMemo(), before.Layout!, [Edit(Berry, next)])!;

        Assert.Equal(["a|True|bbb", "b|False|", "c|False|"], followed.Dependencies.Select(d => $"{d.Name}|{d.Direct}|{d.Integrity}"));
        Assert.Same(before.Dependencies[1], followed.Dependencies[1]);
        Assert.Same(before.Dependencies[2], followed.Dependencies[2]);
        Assert.Equal(Text(Parser.Parse("yarn.lock", next)), Text(followed));
    }

    [Theory]
    [InlineData("an entry inserted above the others (they move down)", "classic", "\n\na@^1:", "\n\n0@^1:\n  version \"0.1.0\"\n\na@^1:")]
    [InlineData("an entry removed (those after it move up)", "classic", "b@^2:\n  version \"2.0.0\"\n\n", "")]
    [InlineData("a new entry requires a direct one after it (it is no longer direct)", "classic", "\nc@^3:", "\nd@^4:\n  version \"4.0.0\"\n  dependencies:\n    c \"^3\"\n\nc@^3:")]
    [InlineData("the only requirement of an entry dropped (it becomes direct)", "classic", "  dependencies:\n    b \"^2\"\n", "")]
    [InlineData("a requirement listed twice, once dropped (still required)", "classic", "    b \"^2\"\n", "    b \"^2\"\n    b \"^2\"\n")]
    [InlineData("a second entry requires the same package (the same names required)", "classic", "  version \"3.0.0\"\n", "  version \"3.0.0\"\n  dependencies:\n    b \"^2\"\n")]
    [InlineData("an entry's header gains an alias before its specifier (another name)", "classic", "b@^2:", "b@npm:bb@^2, b@^2:")]
    [InlineData("the workspace requires another package (it becomes direct)", "berry", "    a: \"npm:^1.0.0\"\n", "    a: \"npm:^1.0.0\"\n    b: \"npm:^2.0.0\"\n")]
    [InlineData("the workspace made an ordinary package (its requirements are no longer direct)", "berry", "resolution: \"root@workspace:.\"", "resolution: \"root@npm:1.0.0\"")]
    [InlineData("an entry's only requirement dropped (berry: what is direct stays)", "berry", "  dependencies:\n    c: \"npm:^3.0.0\"\n", "")]
    [InlineData("the __metadata entry removed (every entry read as classic)", "berry", "__metadata:\n  version: 6\n  cacheKey: 8\n\n", "")]
    [InlineData("a __metadata entry added (every entry read as berry)", "classic", "# yarn lockfile v1\n\n", "__metadata:\n  version: 6\n\n")]
    [InlineData("a hostile workspace resolution (no longer a workspace, names nothing)", "berry", "resolution: \"root@workspace:.\"", "resolution: \"@\"")]
    [InlineData("a hostile entry without a resolution (names nothing, its requirements still count)", "berry", "  resolution: \"b@npm:2.0.0\"\n", "")]
    public void A_followed_version_is_the_version_read_whole(string shape, string start, string from, string to)
    {
        var old = start == "classic" ? Classic : Berry;
        var next = ReplaceOnce(old, from, to);
        var memo = new LockfileBlockMemo();
        var before = Parser.Parse("yarn.lock", old, memo);

        var followed = Parser.Follow("yarn.lock", next, memo, before.Layout!, [Edit(old, next)])!;
        // And back again from it, then once more forward: the layout it made carries its own dependencies on.
        var back = Parser.Follow("yarn.lock", old, memo, followed.Layout!, [Edit(next, old)])!;
        var again = Parser.Follow("yarn.lock", next, memo, back.Layout!, [Edit(old, next)])!;

        Assert.NotEqual(Text(before), Text(Parser.Parse("yarn.lock", next)));
        Assert.Equal(Text(Parser.Parse("yarn.lock", next)), Text(followed));
        Assert.Equal(Text(before), Text(back));
        Assert.Equal(Text(Parser.Parse("yarn.lock", next)), Text(again));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void Every_corpus_yarn_lock_followed_through_a_chain_of_edits_is_read_as_whole()
    {
        foreach (var path in Directory.GetFiles(Corpus.File("lockfiles", "osv-scalibr", "javascript", "yarnlock"), "*.lock"))
        {
            var text = File.ReadAllText(path).ReplaceLineEndings("\n");
            var memo = new LockfileBlockMemo();
            var parse = Parser.Parse("yarn.lock", text, memo);
            if (!parse.Ok || parse.Dependencies.Count == 0) continue;
            // Each step bumps one version (the entries after it keep their objects), then inserts a line into the file's
            // first requirement list, when it has one (the set of required names may change).
            var current = text;
            foreach (var dependency in parse.Dependencies.Take(4))
            {
                var bumped = ReplaceOnce(current, $"version \"{dependency.Version}\"", $"version \"{dependency.Version}-x\"", orSelf: true);
                bumped = ReplaceOnce(bumped, $"version: {dependency.Version}\n", $"version: {dependency.Version}-x\n", orSelf: true);
                bumped = ReplaceOnce(bumped, "dependencies:\n", "dependencies:\n    zz-new \"^1\"\n", orSelf: true);
                var followed = Parser.Follow("yarn.lock", bumped, memo, parse.Layout!, [Edit(current, bumped)]);
                Assert.True(followed is not null, Path.GetFileName(path));
                Assert.Equal(Text(Parser.Parse("yarn.lock", bumped)), Text(followed));
                (current, parse) = (bumped, followed);
            }
        }
    }

    // Every field a detector reads, one line per package, and the problems.
    private static List<string> Text(LockfileParse parse) =>
        [.. parse.Dependencies.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Line}|{d.Source}|{d.Integrity}|{d.Dev}|{string.Join(',', d.Requires)}"), .. parse.Problems.Select(p => $"{p.Line}: {p.Reason}")];

    private static string ReplaceOnce(string text, string from, string to, bool orSelf = false)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        if (at < 0 && orSelf) return text;
        Assert.True(at >= 0, from);
        return text[..at] + to + text[(at + from.Length)..];
    }

    // The one -U0 hunk between two versions: the lines between their common first and last lines.
    private static LineEdit Edit(string old, string next)
    {
        var a = old.Split('\n')[..^1];
        var b = next.Split('\n')[..^1];
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;
        var (oldCount, newCount) = (a.Length - prefix - suffix, b.Length - prefix - suffix);
        return new LineEdit(oldCount == 0 ? prefix : prefix + 1, oldCount, newCount == 0 ? prefix : prefix + 1, newCount);
    }
}
