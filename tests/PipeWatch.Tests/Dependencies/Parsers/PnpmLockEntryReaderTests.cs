using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// pnpm entries of the plain shape are read by hand (<see cref="PnpmLockEntryReader"/>); whatever it answers is exactly what the
/// YamlDotNet event reader answers for the same entry, and every entry outside the plain shape (hostile ones included) is left to
/// that reader.
/// </summary>
public sealed class PnpmLockEntryReaderTests
{
    public static TheoryData<string> CorpusFiles() =>
        [.. Directory.GetFiles(Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_entry_of_every_corpus_lockfile_reads_as_the_event_reader_reads_it(string file)
    {
        var text = File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock", file));

        foreach (var (section, block) in Entries(text))
        {
            var byHand = section == "packages" ? PnpmLockEntryReader.ReadPackage(block) : PnpmLockEntryReader.ReadSnapshot(block);
            if (byHand is not null) Assert.Equal(Text(PnpmLockEvents.Read(section + ":\n" + block)), Text(byHand));
        }
    }

    [Fact]
    public void The_entries_pnpm_writes_are_read_by_hand()
    {
        var answered = 0;
        foreach (var file in new[] { "commits.v9.yaml", "peer-dependencies-advanced.v9.yaml", "peer-dependencies-advanced-v6.yaml", "mixed-groups.v54.yaml", "scoped-packages.v9.yaml", "multiple-versions.v9.yaml" })
        {
            foreach (var (section, block) in Entries(File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock", file))))
            {
                Assert.True((section == "packages" ? PnpmLockEntryReader.ReadPackage(block) : PnpmLockEntryReader.ReadSnapshot(block)) is not null, $"{file}: {block}");
                answered++;
            }
        }

        Assert.True(answered >= 40, $"{answered} entries");
    }

    [Fact]
    public void A_version_9_package_and_its_snapshot_read_field_by_field()
    {
        const string package = "  '@actions/core@1.10.1':\n    resolution: {integrity: sha512-3lBR9EDAY+iYIpTnTIXmWcNbX3T2kCkAEQGIQx4NVQ0575nk2k3GRZDTPQG+vVtS2izSLmINlxXf0uLtnrTP+g==}\n    engines: {node: '>=18'}\n    os: [darwin, linux]\n    peerDependencies:\n      '@types/node': '*'\n    peerDependenciesMeta:\n      '@types/node':\n        optional: true\n\n";
        const string snapshot = "  '@actions/core@1.10.1':\n    dependencies:\n      '@actions/http-client': 2.2.0\n      uuid: 8.3.2\n    optionalDependencies:\n      fsevents: 2.3.3\n\n";

        var read = Assert.Single(PnpmLockEntryReader.ReadPackage(package)!.Packages);
        var (key, requires) = Assert.Single(PnpmLockEntryReader.ReadSnapshot(snapshot)!.Snapshots);

        Assert.Equal(("@actions/core@1.10.1", 2), (read.Key, read.Line));
        Assert.Equal("sha512-3lBR9EDAY+iYIpTnTIXmWcNbX3T2kCkAEQGIQx4NVQ0575nk2k3GRZDTPQG+vVtS2izSLmINlxXf0uLtnrTP+g==", read.Integrity);
        Assert.Equal((null, null, null, null, null, null), (read.Name, read.Version, read.Tarball, read.Repo, read.Directory, read.Dev));
        Assert.Empty(read.Requires);
        Assert.Equal("@actions/core@1.10.1", key);
        Assert.Equal(["@actions/http-client", "uuid", "fsevents"], requires);
        Assert.Equal(Text(PnpmLockEvents.Read("packages:\n" + package)), Text(PnpmLockEntryReader.ReadPackage(package)));
        Assert.Equal(Text(PnpmLockEvents.Read("snapshots:\n" + snapshot)), Text(PnpmLockEntryReader.ReadSnapshot(snapshot)));
    }

    [Theory]
    [InlineData("v6 slash key, dependencies, dev", "  /@babel/core@7.22.0(supports-color@8.1.1):\n    resolution: {integrity: sha512-abc/+=}\n    engines: {node: '>=6.9.0'}\n    dependencies:\n      '@babel/code-frame': 7.22.13\n      debug: 4.3.4(supports-color@8.1.1)\n    dev: true\n")]
    [InlineData("v5 key with a peer suffix, git resolution", "  /a/1.0.0_peer@2:\n    resolution: {repo: github.com/o/a, commit: abc}\n    dependencies:\n      x: 1\n      '': 2\n")]
    [InlineData("directory resolution, name and version", "  /local/0.0.0:\n    resolution: {directory: ../local, type: directory}\n    name: local\n    version: 0.0.0\n")]
    [InlineData("a URL and spaces in a flow mapping", "  a@1.0.0:\n    resolution: {tarball: https://example.com/a.tgz}\n    engines: {node: ^12.22.0 || >=16.0.0}\n")]
    [InlineData("a block sequence", "  a@1.0.0:\n    dependencies:\n      b: 1\n    transitivePeerDependencies:\n      - supports-color\n      - '@types/node'\n    dev: true\n")]
    [InlineData("an empty entry", "  b@2.0.0: {}\n")]
    [InlineData("a scalar entry", "  /scalar/1.0.0: text\n")]
    [InlineData("a list entry", "  /listed/1.0.0: [1, 2]\n")]
    [InlineData("odd shapes of the fields read", "  /b@1.0.0:\n    resolution: [tarball]\n    name: {x: 1}\n    dependencies: [x]\n    version: []\n")]
    [InlineData("quotes inside quotes", "  'it''s@1.0.0':\n    resolution: {integrity: 'sha512-''q'''}\n    dev: 'false'\n")]
    [InlineData("the last entry, without a line end", "  a@1.0.0:\n    resolution: {integrity: sha512-a}")]
    public void Plain_entries_are_read_by_hand_as_the_event_reader_reads_them(string shape, string block)
    {
        Assert.NotNull(PnpmLockEntryReader.ReadPackage(block));
        Assert.NotNull(PnpmLockEntryReader.ReadSnapshot(block));
        Assert.Equal(Text(PnpmLockEvents.Read("packages:\n" + block)), Text(PnpmLockEntryReader.ReadPackage(block)));
        Assert.Equal(Text(PnpmLockEvents.Read("snapshots:\n" + block)), Text(PnpmLockEntryReader.ReadSnapshot(block)));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    public static TheoryData<string, string> Unusual() => new()
    {
        { "a key written twice", "  a@1.0.0:\n    resolution: {integrity: sha512-a}\n    resolution: {integrity: sha512-b}\n" },
        { "a key written twice in a flow mapping", "  a@1.0.0:\n    engines: {node: '>=8', node: '>=10'}\n" },
        { "a key written twice among the dependencies", "  a@1.0.0:\n    dependencies:\n      b: 1\n      b: 2\n" },
        { "an anchor and an alias", "  a@1.0.0:\n    resolution: &r {integrity: sha512-a}\n    other: *r\n" },
        { "a tag", "  a@1.0.0:\n    resolution: {integrity: !!str sha512-a}\n" },
        { "a block scalar", "  a@1.0.0:\n    name: |\n      folded\n" },
        { "double quotes", "  \"a@1.0.0\":\n    resolution: {integrity: \"sha512-\\x41\"}\n" },
        { "a comment", "  a@1.0.0: # note\n    resolution: {integrity: sha512-a}\n" },
        { "CRLF", "  a@1.0.0:\r\n    resolution: {integrity: sha512-a}\r\n" },
        { "a tab", "  a@1.0.0:\n    resolution:\t{integrity: sha512-a}\n" },
        { "NUL", "  a@1.0.0:\n    name: a\0b\n" },
        { "a terminal escape", "  a@1.0.0:\n    name: \u001b[31mred\n" },
        { "non-ASCII line separator", "  a@1.0.0:\n    name: a\u2028b\n" },
        { "a multi-line plain scalar", "  a@1.0.0:\n    name: first\n      second\n" },
        { "an empty value", "  a@1.0.0:\n    name:\n    version: 1\n" },
        { "an odd indent", "  a@1.0.0:\n     name: a\n" },
        { "a nested mapping three spaces deeper", "  a@1.0.0:\n    dependencies:\n       b: 1\n" },
        { "a complex key", "  ? [a, b]\n  : {}\n" },
        { "an unterminated quote", "  'a@1.0.0:\n    name: a\n" },
        { "a key and a value without a space", "  a@1.0.0:\n    name:a\n" },
        { "a colon and a space in a value", "  a@1.0.0:\n    name: a: b\n" },
        { "a colon and a space in a flow mapping", "  a@1.0.0:\n    resolution: {tarball: a: b}\n" },
        { "a nested flow collection", "  a@1.0.0:\n    resolution: {integrity: [sha512-a]}\n" },
        { "a block sequence at its key's indent", "  a@1.0.0:\n    os:\n    - darwin\n" },
        { "a mapping in a block sequence", "  a@1.0.0:\n    os:\n      - name: darwin\n" },
        { "a block sequence of sequences", "  a@1.0.0:\n    os:\n      - - darwin\n" },
        { "a huge key", "  " + new string('k', 5000) + "@1.0.0:\n    resolution: {integrity: sha512-a}\n" },
        { "deep nesting", "  a@1.0.0:\n" + string.Concat(Enumerable.Range(2, 40).Select(d => new string(' ', 2 * d) + "k:\n")) + new string(' ', 84) + "k: v\n" },
        { "a deep flow value", "  a@1.0.0: " + new string('[', 10_000) + "\n" },
        { "two entries", "  a@1.0.0: {}\n  b@1.0.0: {}\n" },
        { "a document marker", "  a@1.0.0: {}\n---\n" },
        { "an entry that starts on a blank line", "\n  a@1.0.0: {}\n" },
    };

    [Theory]
    [MemberData(nameof(Unusual))]
    public void Unusual_entries_are_left_to_the_event_reader(string shape, string block)
    {
        Assert.Null(PnpmLockEntryReader.ReadPackage(block));
        Assert.Null(PnpmLockEntryReader.ReadSnapshot(block));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Fact]
    public void A_lockfile_read_by_entries_is_the_lockfile_read_whole()
    {
        var parser = new PnpmLockParser();
        foreach (var file in new[] { "commits.v9.yaml", "peer-dependencies-advanced.v9.yaml", "peer-dependencies-advanced-v6.yaml", "mixed-groups.v54.yaml", "tarball.yaml", "exotic.yaml" })
        {
            var path = Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock", file);
            var text = File.ReadAllText(path);

            Assert.Equal(PnpmLockReadersTests.Text(parser.Parse(path, text)), PnpmLockReadersTests.Text(parser.Parse(path, text, new LockfileBlockMemo())));
        }
    }

    // Each entry of the packages and snapshots sections, cut as PnpmLockBlocks cuts them: from a key line at two spaces to the
    // next, with the deeper, blank and comment lines between.
    private static IEnumerable<(string Section, string Block)> Entries(string text)
    {
        string? section = null;
        var block = new System.Text.StringBuilder();
        foreach (var line in text.Split('\n').Select(l => l + "\n"))
        {
            var trimmed = line.TrimEnd('\n', '\r');
            var blank = string.IsNullOrWhiteSpace(trimmed) || trimmed.TrimStart().StartsWith('#');
            if (section is not null && !blank && trimmed.StartsWith("  ", StringComparison.Ordinal) && trimmed[2] != ' ')
            {
                if (block.Length > 0) yield return (section, block.ToString());
                block.Clear();
                block.Append(line);
            }
            else if (section is not null && (blank || trimmed.StartsWith("   ", StringComparison.Ordinal)))
            {
                if (block.Length > 0) block.Append(line);
            }
            else
            {
                if (section is not null && block.Length > 0) yield return (section, block.ToString());
                block.Clear();
                section = trimmed is "packages:" or "snapshots:" ? trimmed[..^1] : null;
            }
        }

        if (section is not null && block.Length > 0) yield return (section, block.ToString());
    }

    // What a content holds of one entry, field by field ("null" for a content the events reader would not give).
    private static List<string> Text(PnpmLockContent? content) => content is null ? ["null"] :
    [
        $"{content.LockfileVersion}|{string.Join(',', content.Direct)}",
        .. content.Packages.Select(p => $"package|{p.Key}|{p.Line}|{p.Name}|{p.Version}|{p.Tarball}|{p.Repo}|{p.Commit}|{p.Directory}|{p.Integrity}|{p.Dev}|{string.Join(',', p.Requires)}"),
        .. content.Snapshots.Select(s => $"snapshot|{s.Key}|{string.Join(',', s.Requires)}"),
    ];
}
