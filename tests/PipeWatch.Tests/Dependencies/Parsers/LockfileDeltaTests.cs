using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A version made by <see cref="ILockfileParser.Follow"/> says what it changed (<see cref="LockfileDelta"/>): the old packages
/// with the removed ones taken out and the added ones put in are the new packages (ecosystem, name, version, source, hash), and
/// the added ones are the new version's own entries in file order; on every corpus pnpm and yarn lockfile edited every way
/// <see cref="LockfileLayoutTests.EditedVersions"/> makes, and exactly for a real-format version bump.
/// </summary>
public sealed class LockfileDeltaTests
{
    [Theory]
    [MemberData(nameof(LockfileBlockMemoTests.CorpusFiles), MemberType = typeof(LockfileBlockMemoTests))]
    public void Every_followed_corpus_version_says_exactly_what_it_changed(string name, string file)
    {
        var parser = LockfileParsers.For(name)!;
        var smaller = 0;
        foreach (var (shape, old, next, edits) in LockfileLayoutTests.EditedVersions(name, LockfileLayoutTests.CorpusText(name, file)))
        {
            var first = parser.Parse(name, old, new LockfileBlockMemo());
            if (first.Layout is null || parser.Follow(name, next, new LockfileBlockMemo(), first.Layout, edits) is not { } followed) continue;
            // A change of how the file reads every key (pnpm's lockfile version, yarn classic to berry) has no delta.
            if (followed.Delta is not { } delta) continue;

            Assert.Equal(Counted(followed.Dependencies), Counted(first.Dependencies, delta.Removed, delta.Added));
            Assert.True(IsInOrderWithin(delta.Added, followed.Dependencies), $"{file}: {shape}: the added are not the new version's entries in order");
            if (delta.Added.Count < followed.Dependencies.Count) smaller++;
        }

        // Most edits touch a few entries: the delta is smaller than the file (a file of one package or none has nothing else).
        Assert.True(smaller > 0 || parser.Parse(name, LockfileLayoutTests.CorpusText(name, file)).Dependencies.Count <= 1, $"{file}: every delta was the whole file");
    }

    [Theory]
    [MemberData(nameof(NpmPackageLockMemoTests.CorpusFiles), MemberType = typeof(NpmPackageLockMemoTests))]
    public void Every_corpus_package_lock_version_read_after_another_says_exactly_what_it_changed(string file)
    {
        var parser = new NpmPackageLockParser();
        var smaller = 0;
        foreach (var (shape, old, next) in NpmEditedVersions(NpmCorpusText(file)))
        {
            var memo = new LockfileBlockMemo();
            var first = parser.Parse("package-lock.json", old, memo);
            if (first.Layout is null || parser.Follow("package-lock.json", next, memo, first.Layout, PipeWatch.Bench.OneHunkDiff.Between(old, next)) is not { } followed) continue;
            Assert.Equal(PnpmLockReadersTests.Text(parser.Parse("package-lock.json", next)), PnpmLockReadersTests.Text(followed));
            var delta = followed.Delta!;
            Assert.True(Counted(followed.Dependencies).SequenceEqual(Counted(first.Dependencies, delta.Removed, delta.Added)), $"{file}: {shape}");
            Assert.True(IsInOrderWithin(delta.Added, followed.Dependencies), $"{file}: {shape}: the added are not the new version's entries in order");
            if (delta.Added.Count < followed.Dependencies.Count) smaller++;
        }

        Assert.True(smaller > 0 || parser.Parse("package-lock.json", NpmCorpusText(file)).Dependencies.Count <= 1, $"{file}: every delta was the whole file");
    }

    [Fact]
    public void A_package_lock_bump_removes_the_old_entry_and_adds_the_new()
    {
        var parser = new NpmPackageLockParser();
        var memo = new LockfileBlockMemo();
        var old = Tests.Detectors.Dependencies.CommitHistory.NpmLock(new("express", "4.18.2", Direct: true), new("ms", "2.0.0"));
        var next = Tests.Detectors.Dependencies.CommitHistory.NpmLock(new("express", "4.18.3", Direct: true), new("ms", "2.0.0"));
        var first = parser.Parse("package-lock.json", old, memo);

        var delta = parser.Follow("package-lock.json", next, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next))!.Delta!;

        // The project's entry names express's range, which did not change ("^4.18.2" → "^4.18.3" does): it is read again too.
        Assert.Equal(["express@4.18.2"], delta.Removed.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(["express@4.18.3 line 11"], delta.Added.Select(d => $"{d.Name}@{d.Version} line {d.Line}"));
    }

    [Fact]
    public void A_package_lock_moved_from_lockfile_version_1_to_3_has_no_delta_and_is_read_whole()
    {
        var parser = new NpmPackageLockParser();
        var memo = new LockfileBlockMemo();
        const string v1 = "{\n  \"name\": \"shop\",\n  \"lockfileVersion\": 1,\n  \"dependencies\": {\n    \"express\": {\n      \"version\": \"4.18.2\",\n      \"integrity\": \"sha512-e\",\n      \"requires\": { \"ms\": \"2.0.0\" },\n      \"dependencies\": {\n        \"ms\": { \"version\": \"2.0.0\", \"integrity\": \"sha512-m\" }\n      }\n    }\n  }\n}\n";
        var first = parser.Parse("package-lock.json", v1, memo);
        var next = Tests.Detectors.Dependencies.CommitHistory.NpmLock(new("express", "4.18.2", Direct: true), new("ms", "2.0.0"));

        // The sections the file is read by change (and its lockfile version): the scan then reads the new version whole.
        Assert.Null(parser.Follow("package-lock.json", next, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(v1, next)));

        Assert.Equal(["express@4.18.2 line 5", "ms@2.0.0 line 10"], first.Dependencies.Select(d => $"{d.Name}@{d.Version} line {d.Line}"));
        Assert.Equal(PnpmLockReadersTests.Text(parser.Parse("package-lock.json", next)), PnpmLockReadersTests.Text(parser.Parse("package-lock.json", next, memo)));
    }

    /// <summary>The text of a corpus package-lock.json.</summary>
    internal static string NpmCorpusText(string file) => File.ReadAllText(PipeWatch.Tests.Support.Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson", file));

    /// <summary>Versions a commit could make of a package-lock.json: every version raised, a flag flipped, a requirement added, an entry's hash replaced, line ends changed.</summary>
    internal static IEnumerable<(string Shape, string Old, string Next)> NpmEditedVersions(string text)
    {
        yield return ("every version raised", text, text.Replace("\"version\": \"", "\"version\": \"9", StringComparison.Ordinal));
        yield return ("dev flags flipped", text, text.Replace("\"dev\": true", "\"dev\": false", StringComparison.Ordinal));
        yield return ("a requirement added", text, text.Replace("\"requires\": {", "\"requires\": {\n        \"added-by-edit\": \"^1.0.0\",", StringComparison.Ordinal));
        var hash = text.IndexOf("\"integrity\": \"sha512-", StringComparison.Ordinal);
        if (hash >= 0) yield return ("one hash replaced", text, text[..hash] + "\"integrity\": \"sha512-X" + text[(hash + "\"integrity\": \"sha512-".Length)..]);
        var version = text.IndexOf("\"version\": \"", text.IndexOf("node_modules/", StringComparison.Ordinal) is var at and >= 0 ? at : 0, StringComparison.Ordinal);
        if (version >= 0) yield return ("one version raised", text, text[..version] + "\"version\": \"9" + text[(version + "\"version\": \"".Length)..]);
        yield return ("line ends changed", text, text.Replace("\n", "\r\n", StringComparison.Ordinal));
        yield return ("unchanged", text, text);
    }

    [Fact]
    public void A_yarn_version_bump_removes_the_old_version_and_adds_the_new()
    {
        var parser = new YarnLockParser();
        const string old = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n  integrity sha512-a1\n\nb@^2:\n  version \"2.0.0\"\n";
        const string next = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.1\"\n  integrity sha512-a2\n\nb@^2:\n  version \"2.0.0\"\n";
        var layout = parser.Parse("yarn.lock", old).Layout!;

        var delta = parser.Follow("yarn.lock", next, new LockfileBlockMemo(), layout, [new LineEdit(4, 2, 4, 2)])!.Delta!;

        Assert.Equal(["a@1.0.0 sha512-a1"], delta.Removed.Select(d => $"{d.Name}@{d.Version} {d.Integrity}"));
        Assert.Equal(["a@1.0.1 sha512-a2 line 3"], delta.Added.Select(d => $"{d.Name}@{d.Version} {d.Integrity} line {d.Line}"));
    }

    [Fact]
    public void A_pnpm_version_bump_removes_the_old_entry_and_adds_the_new_not_the_snapshots()
    {
        var parser = new PnpmLockParser();
        const string old = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  b@2.0.0:\n    resolution: {integrity: sha512-b}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      b: 2.0.0\n  b@2.0.0: {}\n";
        var next = old.Replace("b@2.0.0", "b@2.0.1", StringComparison.Ordinal).Replace("b: 2.0.0", "b: 2.0.1", StringComparison.Ordinal).Replace("sha512-b", "sha512-c", StringComparison.Ordinal);
        var layout = parser.Parse("pnpm-lock.yaml", old, new LockfileBlockMemo()).Layout!;

        var delta = parser.Follow("pnpm-lock.yaml", next, new LockfileBlockMemo(), layout, [new LineEdit(11, 2, 11, 2), new LineEdit(16, 2, 16, 2)])!.Delta!;

        // a's entry is read again (an edit may continue the entry above it) and so is both removed and added: no net change.
        Assert.Equal(["a@1.0.0 sha512-a", "b@2.0.0 sha512-b"], delta.Removed.Select(d => $"{d.Name}@{d.Version} {d.Integrity}"));
        Assert.Equal(["a@1.0.0 sha512-a line 9", "b@2.0.1 sha512-c line 11"], delta.Added.Select(d => $"{d.Name}@{d.Version} {d.Integrity} line {d.Line}"));
    }

    [Fact]
    public void A_pnpm_version_whose_lockfile_version_changes_how_keys_read_has_no_delta()
    {
        var parser = new PnpmLockParser();
        const string old = "lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    resolution: {integrity: sha512-a}\n";
        const string next = "lockfileVersion: '6.0'\npackages:\n  /a/1.0.0:\n    resolution: {integrity: sha512-a}\n";
        var layout = parser.Parse("pnpm-lock.yaml", old, new LockfileBlockMemo()).Layout!;

        var followed = parser.Follow("pnpm-lock.yaml", next, new LockfileBlockMemo(), layout, [new LineEdit(1, 1, 1, 1)])!;

        Assert.Equal(PnpmLockReadersTests.Text(parser.Parse("pnpm-lock.yaml", next)), PnpmLockReadersTests.Text(followed));
        Assert.Null(followed.Delta);
    }

    // The packages as a multiset of the fields a delta compares, with some taken out and some put in.
    private static SortedDictionary<string, int> Counted(IReadOnlyList<Dependency> packages, IReadOnlyList<Dependency>? removed = null, IReadOnlyList<Dependency>? added = null)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in packages.Concat(added ?? [])) counts[Fields(d)] = counts.GetValueOrDefault(Fields(d)) + 1;
        foreach (var d in removed ?? [])
        {
            counts[Fields(d)] = counts.GetValueOrDefault(Fields(d)) - 1;
            if (counts[Fields(d)] == 0) counts.Remove(Fields(d));
        }

        return counts;
    }

    private static string Fields(Dependency d) => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Source}|{d.Integrity}";

    // True when every item of `part` is, by reference, an item of `whole`, in the same order.
    private static bool IsInOrderWithin(IReadOnlyList<Dependency> part, IReadOnlyList<Dependency> whole)
    {
        var at = 0;
        foreach (var d in part)
        {
            while (at < whole.Count && !ReferenceEquals(whole[at], d)) at++;
            if (at++ >= whole.Count) return false;
        }

        return true;
    }
}
