using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class PnpmLockParserTests
{
    private static readonly PnpmLockParser Parser = new();

    private static IReadOnlyList<Dependency> Read(string file) => Lockfile.Packages(Parser, "javascript", "pnpmlock", file);

    [Theory]
    [InlineData("commits.v9.yaml", 2)]
    [InlineData("multiple-packages.yaml", 14)]
    [InlineData("mixed-groups.v53.yaml", 3)]
    [InlineData("mixed-groups.v6.yaml", 3)]
    [InlineData("mixed-groups.v9.yaml", 3)]
    [InlineData("no-packages.v9.yaml", 0)]
    [InlineData("peer-dependencies-advanced.yaml", 9)]
    [InlineData("peer-dependencies-advanced.v9.yaml", 13)]
    [InlineData("scoped-packages-v6-lockfile.yaml", 1)]
    public void Counts_every_package(string file, int count) => Assert.Equal(count, Read(file).Count);

    [Fact]
    public void Version_9_keys_name_at_version_with_integrity()
    {
        var acorn = Assert.Single(Read("one-package.v9.yaml"));

        Assert.Equal(("acorn", "8.11.3", 17), (acorn.Name, acorn.Version, acorn.Line));
        Assert.Equal("sha512-Y9rRfJG5jcKOE0CLisYbojUjIrIEE7AGMzA/Sm4BslANhbS+cDMpgBdcPT91oJ7OuJ9hYJBx59RjbhxVnrF8Xg==", acorn.Integrity);
    }

    [Fact]
    public void Version_6_keys_and_their_dependencies()
    {
        var envify = Read("peer-dependencies-v6.yaml").Single("loose-envify", "1.4.0");

        Assert.Equal(["js-tokens"], envify.Requires);
    }

    [Fact]
    public void Tarball_and_codeload_resolutions_are_sources()
    {
        var tarball = Assert.Single(Read("tarball.yaml"));
        // A GitLab package registry URL has a registry's "/-/" layout: a registry, on a host the allowlist decides about.
        Assert.Equal(("@my-org/my-package", "3.2.3", SourceKind.Registry), (tarball.Name, tarball.Version, tarball.Source.Kind));
        Assert.StartsWith("https://gitlab.my-org.org/api/v4/projects/1/packages/npm/", tarball.Source.Location, StringComparison.Ordinal);
        Assert.True(tarball.Dev);
        var regex = Read("commits.v9.yaml").Single("ansi-regex", "6.0.1");
        Assert.Equal(new DependencySource(SourceKind.Git, "https://codeload.github.com/chalk/ansi-regex/tar.gz/02fa893d619d3da85411acc8fd4e2eea0e95a9d9"), regex.Source);
        Assert.True(regex.Direct);
    }

    [Fact]
    public void Text_that_is_not_yaml_is_a_problem() => Assert.Single(Lockfile.Read(Parser, "javascript", "pnpmlock", "not-yaml.txt").Problems);

    private const string Old = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  b@2.0.0:\n    resolution: {integrity: sha512-b}\n  c@3.0.0:\n    resolution: {integrity: sha512-c}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      b: 2.0.0\n  b@2.0.0: {}\n  c@3.0.0: {}\n";

    [Fact]
    public void A_followed_version_takes_over_the_dependencies_of_the_entries_its_change_did_not_touch()
    {
        var before = Parser.Parse("pnpm-lock.yaml", Old, new LockfileBlockMemo());
        var next = Old.Replace("sha512-c", "sha512-d", StringComparison.Ordinal);

        var followed = Parser.Follow("pnpm-lock.yaml", next, new LockfileBlockMemo(), before.Layout!, [new LineEdit(14, 1, 14, 1)])!;

        Assert.Equal(["a|1.0.0|True|9|b", "b|2.0.0|False|11|", "c|3.0.0|False|13|"], followed.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}|{string.Join(',', d.Requires)}"));
        Assert.Same(before.Dependencies[0], followed.Dependencies[0]);
        Assert.Same(before.Dependencies[1], followed.Dependencies[1]);
        Assert.Equal("sha512-d", followed.Dependencies[2].Integrity);
        Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", next)), PnpmLockReadersTests.Text(followed));
    }

    [Theory]
    [InlineData("an entry inserted above the others (they move down)", 8, "  0@1.0.0:\n    resolution: {integrity: sha512-0}\n")]
    [InlineData("a direct dependency added (every entry is made again)", 7, "      b:\n        specifier: ^2.0.0\n        version: 2.0.0\n")]
    [InlineData("a snapshot's dependency added (its package's requirements change)", 18, "      c: 3.0.0\n")]
    [InlineData("a snapshot at another peer set (its package's requirements change)", 19, "  b@2.0.0(c@3.0.0):\n    dependencies:\n      c: 3.0.0\n")]
    public void A_followed_version_is_the_version_read_whole(string shape, int after, string inserted)
    {
        var lines = Old.Split('\n');
        var next = string.Join('\n', lines[..after]) + "\n" + inserted + string.Join('\n', lines[after..]);
        var before = Parser.Parse("pnpm-lock.yaml", Old, new LockfileBlockMemo());
        var memo = new LockfileBlockMemo();

        var followed = Parser.Follow("pnpm-lock.yaml", next, memo, before.Layout!, [new LineEdit(after, 0, after + 1, inserted.Count(c => c == '\n'))])!;
        // And the version after it, from it: the layout it made carries its own dependencies on.
        var again = Parser.Follow("pnpm-lock.yaml", next.Replace("sha512-a", "sha512-z", StringComparison.Ordinal), memo, followed.Layout!, [Edit(next, "sha512-a")])!;

        Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", next)), PnpmLockReadersTests.Text(followed));
        Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", next.Replace("sha512-a", "sha512-z", StringComparison.Ordinal))), PnpmLockReadersTests.Text(again));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Theory]
    [InlineData("the same key made twice", "  z@1.0.0: {}\n  z@1.0.0: {}\n", false)]
    [InlineData("a key made that an untouched entry has", "  a@1.0.0: {}\n", false)]
    [InlineData("a new key", "  z@1.0.0: {}\n", true)]
    public void Keys_a_change_repeats_are_left_to_the_whole_parse(string shape, string inserted, bool follows)
    {
        var lines = Old.Split('\n');
        var next = string.Join('\n', lines[..14]) + "\n" + inserted + string.Join('\n', lines[14..]);
        var before = Parser.Parse("pnpm-lock.yaml", Old, new LockfileBlockMemo());

        var followed = Parser.Follow("pnpm-lock.yaml", next, new LockfileBlockMemo(), before.Layout!, [new LineEdit(14, 0, 15, inserted.Count(c => c == '\n'))]);

        Assert.Equal(follows, followed is not null);
        if (followed is not null) Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", next)), PnpmLockReadersTests.Text(followed));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void A_key_removed_by_one_change_may_come_back_in_the_next_but_not_twice()
    {
        var memo = new LockfileBlockMemo();
        var layout = Parser.Parse("pnpm-lock.yaml", Old, memo).Layout!;
        var lines = Old.Split('\n');
        // c's entry (lines 13-14) removed, then put back, then put back once more beside itself.
        var without = string.Join('\n', [.. lines[..12], .. lines[14..]]);
        var back = Old;
        var twice = string.Join('\n', [.. lines[..14], lines[12], lines[13], .. lines[14..]]);

        var removed = Parser.Follow("pnpm-lock.yaml", without, memo, layout, [new LineEdit(13, 2, 12, 0)])!;
        var returned = Parser.Follow("pnpm-lock.yaml", back, memo, removed.Layout!, [new LineEdit(12, 0, 13, 2)])!;
        var repeated = Parser.Follow("pnpm-lock.yaml", twice, memo, returned.Layout!, [new LineEdit(14, 0, 15, 2)]);

        Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", without)), PnpmLockReadersTests.Text(removed));
        Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", back)), PnpmLockReadersTests.Text(returned));
        Assert.Null(repeated);
    }

    [Theory]
    [InlineData(20, 30, true)]
    [InlineData(40, 4, false)]
    public void A_peer_bump_touching_the_snapshots_of_many_packages_takes_the_others_over_and_equals_the_whole_read(int peering, int others, bool takesOver)
    {
        // Renovate moving a package many others peer on (typescript, eslint): every snapshot naming it gets a new key, so the
        // change touches the snapshots of `peering` packages; the `others` entries are untouched unless most packages are touched.
        var before = PeerLockfile(peering, others, "1.0.0");
        var after = PeerLockfile(peering, others, "1.0.1");
        var memo = new LockfileBlockMemo();
        var old = Parser.Parse("pnpm-lock.yaml", before, memo);

        var followed = Parser.Follow("pnpm-lock.yaml", after, memo, old.Layout!, LineEdits(before, after))!;
        // And back again, from the version just made: the dependencies it carries are the next change's previous ones.
        var back = Parser.Follow("pnpm-lock.yaml", before, memo, followed.Layout!, LineEdits(after, before))!;

        Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", after)), PnpmLockReadersTests.Text(followed));
        Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("pnpm-lock.yaml", before)), PnpmLockReadersTests.Text(back));
        Assert.Contains(followed.Delta!.Added, d => d is { Name: "peer", Version: "1.0.1" });
        var untouched = old.Dependencies.Where(d => d.Name.StartsWith('q')).ToList();
        Assert.Equal(others, untouched.Count);
        Assert.Equal(takesOver, untouched.All(d => followed.Dependencies.Any(f => ReferenceEquals(f, d))));
    }

    // A v9 lockfile: a direct `peer`, `peering` packages whose snapshots peer on it, and `others` that do not.
    private static string PeerLockfile(int peering, int others, string peer)
    {
        var text = new System.Text.StringBuilder($"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      peer:\n        specifier: ^1.0.0\n        version: {peer}\npackages:\n  peer@{peer}:\n    resolution: {{integrity: sha512-peer{peer}}}\n");
        for (var i = 0; i < peering; i++) text.Append($"  p{i}@1.0.0:\n    resolution: {{integrity: sha512-p{i}}}\n    peerDependencies:\n      peer: ^1.0.0\n");
        for (var i = 0; i < others; i++) text.Append($"  q{i}@1.0.0:\n    resolution: {{integrity: sha512-q{i}}}\n");
        text.Append($"snapshots:\n  peer@{peer}: {{}}\n");
        for (var i = 0; i < peering; i++) text.Append($"  p{i}@1.0.0(peer@{peer}):\n    dependencies:\n      peer: {peer}\n");
        for (var i = 0; i < others; i++) text.Append($"  q{i}@1.0.0: {{}}\n");
        return text.ToString();
    }

    // The -U0 hunks between two texts of the same line count (each run of changed lines one hunk, as git writes them).
    private static List<LineEdit> LineEdits(string before, string after)
    {
        var (a, b) = (before.Split('\n'), after.Split('\n'));
        Assert.Equal(a.Length, b.Length);
        var edits = new List<LineEdit>();
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i]) continue;
            var start = i;
            while (i + 1 < a.Length && a[i + 1] != b[i + 1]) i++;
            edits.Add(new LineEdit(start + 1, i - start + 1, start + 1, i - start + 1));
        }

        return edits;
    }

    // The -U0 edit that changes the one line holding `text`.
    private static LineEdit Edit(string version, string text)
    {
        var line = Array.FindIndex(version.Split('\n'), l => l.Contains(text, StringComparison.Ordinal)) + 1;
        return new LineEdit(line, 1, line, 1);
    }
}
