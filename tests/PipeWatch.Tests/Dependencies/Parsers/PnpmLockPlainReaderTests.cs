using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// pnpm entries of the plain shape are read by hand (<see cref="PnpmLockPlainReader"/>); whatever it answers is exactly what the
/// YamlDotNet event reader answers for the same entry, and every entry outside the plain shape (hostile ones included) is left to
/// that reader.
/// </summary>
public sealed class PnpmLockPlainReaderTests
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
            var byHand = section == "packages" ? PnpmLockPlainReader.ReadPackage(block) : PnpmLockPlainReader.ReadSnapshot(block);
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
                Assert.True((section == "packages" ? PnpmLockPlainReader.ReadPackage(block) : PnpmLockPlainReader.ReadSnapshot(block)) is not null, $"{file}: {block}");
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

        var read = Assert.Single(PnpmLockPlainReader.ReadPackage(package)!.Packages);
        var (key, requires) = Assert.Single(PnpmLockPlainReader.ReadSnapshot(snapshot)!.Snapshots);

        Assert.Equal(("@actions/core@1.10.1", 2), (read.Key, read.Line));
        Assert.Equal("sha512-3lBR9EDAY+iYIpTnTIXmWcNbX3T2kCkAEQGIQx4NVQ0575nk2k3GRZDTPQG+vVtS2izSLmINlxXf0uLtnrTP+g==", read.Integrity);
        Assert.Equal((null, null, null, null, null, null), (read.Name, read.Version, read.Tarball, read.Repo, read.Directory, read.Dev));
        Assert.Empty(read.Requires);
        Assert.Equal("@actions/core@1.10.1", key);
        Assert.Equal(["@actions/http-client", "uuid", "fsevents"], requires);
        Assert.Equal(Text(PnpmLockEvents.Read("packages:\n" + package)), Text(PnpmLockPlainReader.ReadPackage(package)));
        Assert.Equal(Text(PnpmLockEvents.Read("snapshots:\n" + snapshot)), Text(PnpmLockPlainReader.ReadSnapshot(snapshot)));
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
        Assert.NotNull(PnpmLockPlainReader.ReadPackage(block));
        Assert.NotNull(PnpmLockPlainReader.ReadSnapshot(block));
        Assert.Equal(Text(PnpmLockEvents.Read("packages:\n" + block)), Text(PnpmLockPlainReader.ReadPackage(block)));
        Assert.Equal(Text(PnpmLockEvents.Read("snapshots:\n" + block)), Text(PnpmLockPlainReader.ReadSnapshot(block)));
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
        Assert.Null(PnpmLockPlainReader.ReadPackage(block));
        Assert.Null(PnpmLockPlainReader.ReadSnapshot(block));
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

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_lockfile_read_as_one_document_reads_as_the_event_reader_reads_it(string file)
    {
        var text = File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "javascript", "pnpmlock", file));

        if (PnpmLockPlainReader.ReadDocument(text) is { } byHand) Assert.Equal(Text(PnpmLockEvents.Read(text)), Text(byHand));
    }

    [Fact]
    public void The_rest_of_a_lockfile_with_its_section_markers_is_read_by_hand_line_by_line()
    {
        // What PnpmLockBlocks reads of a version 9 file outside its sections' entries.
        const string rest = "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\nimporters:\n\n  .:\n    dependencies:\n      '@actions/core':\n        specifier: ^1.10.1\n        version: 1.10.1\n      '':\n        specifier: x\n    devDependencies:\n      typescript:\n        specifier: 5.4.5\n        version: 5.4.5\n  packages/a:\n    optionalDependencies:\n      fsevents: {specifier: ~2.3.2, version: 2.3.3}\n\npackages: {__pipewatch_section_23: {}}\n\nsnapshots: {__pipewatch_section_25: {}}\n";

        var read = PnpmLockPlainReader.ReadDocument(rest);

        Assert.NotNull(read);
        Assert.Equal("9.0", read.LockfileVersion);
        Assert.Equal(["", "@actions/core", "fsevents", "typescript"], read.Direct.Order(StringComparer.Ordinal));
        Assert.Equal(("__pipewatch_section_23", 23), (Assert.Single(read.Packages).Key, read.Packages[0].Line));
        Assert.Equal("__pipewatch_section_25", Assert.Single(read.Snapshots).Key);
        Assert.Equal(Text(PnpmLockEvents.Read(rest)), Text(read));
    }

    [Theory]
    [InlineData("a version 5 top with its own groups", "lockfileVersion: 5.4\n\nspecifiers:\n  a: ^1\n\ndependencies:\n  a: 1.0.0\n  '': 1\n\ndevDependencies:\n  b: 2.0.0\n\npackages:\n\n  /a/1.0.0:\n    resolution: {integrity: sha512-a}\n    dev: false\n\n  /b/2.0.0:\n    resolution: {integrity: sha512-b}\n    dev: true\n")]
    [InlineData("odd shapes of what the top reads", "lockfileVersion: {a: b}\nimporters: [a]\ndependencies: text\npackages: {}\nsnapshots: []\n")]
    [InlineData("importers that are not mappings", "importers:\n  a: text\n  b:\n    dependencies: [x]\n    other: {x: 1}\n")]
    public void Plain_documents_are_read_by_hand_as_the_event_reader_reads_them(string shape, string text)
    {
        Assert.NotNull(PnpmLockPlainReader.ReadDocument(text));
        Assert.Equal(Text(PnpmLockEvents.Read(text)), Text(PnpmLockPlainReader.ReadDocument(text)));
        Assert.False(string.IsNullOrEmpty(shape));
    }

    [Theory]
    [InlineData("a document marker", "---\nlockfileVersion: '9.0'\n")]
    [InlineData("two documents", "lockfileVersion: '9.0'\n---\nlockfileVersion: '6.0'\n")]
    [InlineData("a directive", "%YAML 1.1\n---\nlockfileVersion: '9.0'\n")]
    [InlineData("a top key written twice", "lockfileVersion: '9.0'\nlockfileVersion: '6.0'\n")]
    [InlineData("a comment", "# generated\nlockfileVersion: '9.0'\n")]
    [InlineData("a list at the top", "- a\n- b\n")]
    [InlineData("a scalar at the top", "text\n")]
    [InlineData("nothing", "")]
    [InlineData("an indented top", "  lockfileVersion: '9.0'\n")]
    [InlineData("an alias", "lockfileVersion: &v '9.0'\nother: *v\n")]
    public void Unusual_documents_are_left_to_the_event_reader(string shape, string text)
    {
        Assert.Null(PnpmLockPlainReader.ReadDocument(text));
        Assert.False(string.IsNullOrEmpty(shape));
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
