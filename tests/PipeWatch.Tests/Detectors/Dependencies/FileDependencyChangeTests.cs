using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Tests.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>
/// A change known by its delta (<see cref="LockfileCache.Incremental"/>: the touched entries and the index of the version before)
/// answers every question the dependency detectors ask exactly as the whole lists answer it: the new versions, the new
/// packages, the entries judged for their source, the entries matched against advisories; on every corpus pnpm and yarn
/// lockfile edited every way <see cref="LockfileLayoutTests.EditedVersions"/> makes, and exactly for a real-format bump. Keys
/// whose entries disagree on source or hash, and a delta against another version, fall back to the whole lists.
/// </summary>
public sealed class FileDependencyChangeTests
{
    [Theory]
    [MemberData(nameof(LockfileBlockMemoTests.CorpusFiles), MemberType = typeof(LockfileBlockMemoTests))]
    public void Every_corpus_change_known_by_its_delta_answers_as_the_whole_lists(string name, string file)
    {
        var parser = LockfileParsers.For(name)!;
        var cache = new LockfileCache(new ProblemLog());
        var incremental = 0;
        foreach (var (shape, old, next, edits) in LockfileLayoutTests.EditedVersions(name, LockfileLayoutTests.CorpusText(name, file)))
        {
            var first = parser.Parse(name, old, new LockfileBlockMemo());
            if (first.Layout is null || parser.Follow(name, next, new LockfileBlockMemo(), first.Layout, edits) is not { Delta: not null } followed) continue;
            var known = cache.Incremental(new LockfileCache.Entry("before", first.Dependencies, []), new LockfileCache.Entry("after", followed.Dependencies, []) { Delta = followed.Delta, DeltaFrom = "before" });
            if (known is null) continue;
            incremental++;

            var whole = new FileDependencyChange(name, true, first.Dependencies, followed.Dependencies, false);
            var byDelta = new FileDependencyChange(name, true, first.Dependencies, followed.Dependencies, false, incremental: known);
            Assert.True(Answers(whole).SequenceEqual(Answers(byDelta)), $"{file}: {shape}");
            AssertVersionsBeforeAsTheWholeList(byDelta, $"{file}: {shape}");
        }

        // The corpus files with packages and without keys whose entries disagree are followed by their deltas.
        var packages = parser.Parse(name, LockfileLayoutTests.CorpusText(name, file)).Dependencies;
        Assert.True(incremental > 0 || packages.Count == 0 || Mixed(packages), $"{file}: no change was known by its delta");
    }

    [Theory]
    [MemberData(nameof(NpmPackageLockMemoTests.CorpusFiles), MemberType = typeof(NpmPackageLockMemoTests))]
    public void Every_corpus_package_lock_change_known_by_its_delta_answers_as_the_whole_lists(string file)
    {
        var parser = new NpmPackageLockParser();
        var cache = new LockfileCache(new ProblemLog());
        var incremental = 0;
        foreach (var (shape, old, next) in LockfileDeltaTests.NpmEditedVersions(LockfileDeltaTests.NpmCorpusText(file)))
        {
            var memo = new LockfileBlockMemo();
            var first = parser.Parse("package-lock.json", old, memo);
            if (first.Layout is null || parser.Follow("package-lock.json", next, memo, first.Layout, []) is not { Delta: not null } followed) continue;
            var known = cache.Incremental(new LockfileCache.Entry("before", first.Dependencies, []), new LockfileCache.Entry("after", followed.Dependencies, []) { Delta = followed.Delta, DeltaFrom = "before" });
            if (known is null) continue;
            incremental++;
            var whole = new FileDependencyChange("package-lock.json", true, first.Dependencies, followed.Dependencies, false);
            var byDelta = new FileDependencyChange("package-lock.json", true, first.Dependencies, followed.Dependencies, false, incremental: known);
            Assert.True(Answers(whole).SequenceEqual(Answers(byDelta)), $"{file}: {shape}");
            AssertVersionsBeforeAsTheWholeList(byDelta, $"{file}: {shape}");
        }

        var packages = parser.Parse("package-lock.json", LockfileDeltaTests.NpmCorpusText(file)).Dependencies;
        Assert.True(incremental > 0 || packages.Count == 0 || Mixed(packages), $"{file}: no change was known by its delta");
    }

    [Fact]
    public void A_pnpm_bump_that_brings_a_new_package_is_judged_from_its_touched_entries()
    {
        var parser = new PnpmLockParser();
        const string old = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  b@2.0.0:\n    resolution: {integrity: sha512-b}\n  d@4.0.0:\n    resolution: {integrity: sha512-d}\n";
        const string next = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\n  b@2.0.1:\n    resolution: {integrity: sha512-b1}\n  c@3.0.0:\n    resolution: {tarball: https://evil.example/c.tgz}\n  d@4.0.0:\n    resolution: {integrity: sha512-d}\n";
        var first = parser.Parse("pnpm-lock.yaml", old, new LockfileBlockMemo());
        var followed = parser.Follow("pnpm-lock.yaml", next, new LockfileBlockMemo(), first.Layout!, [new LineEdit(11, 2, 11, 4)])!;
        var known = new LockfileCache(new ProblemLog()).Incremental(new LockfileCache.Entry("before", first.Dependencies, []), new LockfileCache.Entry("after", followed.Dependencies, []) { Delta = followed.Delta, DeltaFrom = "before" })!;

        var change = new FileDependencyChange("pnpm-lock.yaml", true, first.Dependencies, followed.Dependencies, false, incremental: known);

        Assert.Equal(["a@1.0.0", "b@2.0.1", "c@3.0.0"], change.Touched.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(["b@2.0.1", "c@3.0.0"], change.NewVersions.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(["c@3.0.0"], change.NewPackages.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal("sha512-a", change.Previous(followed.Dependencies[0])!.Integrity);
        Assert.Null(change.Previous(followed.Dependencies[1]));
        Assert.True(Answers(new FileDependencyChange("pnpm-lock.yaml", true, first.Dependencies, followed.Dependencies, false)).SequenceEqual(Answers(change)));
    }

    [Fact]
    public void Normal_input_a_bump_that_adds_no_package_has_no_new_package()
    {
        var parser = new YarnLockParser();
        const string old = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n  integrity sha512-a1\n\nb@^2:\n  version \"2.0.0\"\n";
        const string next = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.1\"\n  integrity sha512-a2\n\nb@^2:\n  version \"2.0.0\"\n";
        var first = parser.Parse("yarn.lock", old);
        var followed = parser.Follow("yarn.lock", next, new LockfileBlockMemo(), first.Layout!, [new LineEdit(4, 2, 4, 2)])!;
        var known = new LockfileCache(new ProblemLog()).Incremental(new LockfileCache.Entry("before", first.Dependencies, []), new LockfileCache.Entry("after", followed.Dependencies, []) { Delta = followed.Delta, DeltaFrom = "before" })!;

        var change = new FileDependencyChange("yarn.lock", true, first.Dependencies, followed.Dependencies, false, incremental: known);

        Assert.Equal(["a@1.0.1"], change.NewVersions.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Empty(change.NewPackages);
    }

    [Fact]
    public void The_versions_before_of_the_new_versions_names_are_kept_in_file_order_and_no_other_name()
    {
        var parser = new YarnLockParser();
        const string old = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n  integrity sha512-a1\n\na@^0.9:\n  version \"0.9.0\"\n  integrity sha512-a09\n\nb@^2:\n  version \"2.0.0\"\n";
        const string next = "# yarn lockfile v1\n\na@^1:\n  version \"1.0.1\"\n  integrity sha512-a2\n\na@^0.9:\n  version \"0.9.0\"\n  integrity sha512-a09\n\nb@^2:\n  version \"2.0.0\"\n\nc@^3:\n  version \"3.0.0\"\n";
        var first = parser.Parse("yarn.lock", old);
        var followed = parser.Follow("yarn.lock", next, new LockfileBlockMemo(), first.Layout!, [new LineEdit(4, 2, 4, 2), new LineEdit(12, 0, 13, 3)])!;
        var known = new LockfileCache(new ProblemLog()).Incremental(new LockfileCache.Entry("before", first.Dependencies, []), new LockfileCache.Entry("after", followed.Dependencies, []) { Delta = followed.Delta, DeltaFrom = "before" })!;

        foreach (var change in (FileDependencyChange[])[new("yarn.lock", true, first.Dependencies, followed.Dependencies, false, incremental: known), new("yarn.lock", true, first.Dependencies, followed.Dependencies, false)])
        {
            Assert.Equal(["a@1.0.1", "c@3.0.0"], change.NewVersions.Select(d => $"{d.Name}@{d.Version}"));
            var before = Assert.Single(change.VersionsBeforeOfNewNames);
            Assert.Equal("a", before.Key);
            Assert.Equal(["1.0.0", "0.9.0"], before.Value);
        }
    }

    [Fact]
    public void Normal_input_a_change_with_no_new_version_asks_for_no_version_before()
    {
        var b = new Dependency(Ecosystems.Npm, "b", "2.0.0", false, new DependencySource(SourceKind.Registry), "sha512-b");

        Assert.Empty(new FileDependencyChange("package-lock.json", true, [b], [b with { Line = 9 }], false).VersionsBeforeOfNewNames);
    }

    [Fact]
    public void Keys_whose_entries_disagree_or_a_delta_against_another_version_use_the_whole_lists()
    {
        var cache = new LockfileCache(new ProblemLog());
        var a1 = new Dependency(Ecosystems.Npm, "a", "1.0.0", true, new DependencySource(SourceKind.Registry), "sha512-one");
        var a1Other = a1 with { Integrity = "sha512-two" };
        var b = new Dependency(Ecosystems.Npm, "b", "2.0.0", false, new DependencySource(SourceKind.Registry), "sha512-b");
        var delta = new LockfileDelta([], [b]);

        // pnpm v5 peer variants of one version may carry different hashes: "the entry before" is then the first of them.
        Assert.Null(cache.Incremental(new LockfileCache.Entry("before", [a1, a1Other], []), new LockfileCache.Entry("after", [a1, a1Other, b], []) { Delta = delta, DeltaFrom = "before" }));
        Assert.Null(cache.Incremental(new LockfileCache.Entry("before", [a1], []), new LockfileCache.Entry("after", [a1, b], []) { Delta = delta, DeltaFrom = "another" }));
        Assert.Null(cache.Incremental(new LockfileCache.Entry("before", [a1], []), new LockfileCache.Entry("after", [a1, b], [])));
        Assert.NotNull(cache.Incremental(new LockfileCache.Entry("before", [a1], []), new LockfileCache.Entry("after", [a1, b], []) { Delta = delta, DeltaFrom = "before" }));
        // A delta that removes what the version before does not hold does not belong to it.
        Assert.Null(cache.Incremental(new LockfileCache.Entry("before", [a1], []), new LockfileCache.Entry("after", [b], []) { Delta = new LockfileDelta([a1Other], [b]), DeltaFrom = "before" }));
    }

    // Everything a dependency detector asks of a change, as text, entries named by their index in the version after.
    private static IEnumerable<string> Answers(FileDependencyChange change)
    {
        string At(Dependency d) => $"{change.After.ToList().FindIndex(x => ReferenceEquals(x, d))}:{d.Key}";
        foreach (var d in change.NewVersions) yield return "new version " + At(d);
        foreach (var d in change.NewPackages) yield return "new package " + At(d);
        // UntrustedSourceDetector: the entries it judges, with the entry before.
        foreach (var d in change.Touched.DistinctBy(d => (d.Key, d.Source.Location, d.Integrity)))
        {
            var previous = change.Previous(d);
            if (previous is not null && previous.Source == d.Source && !IntegrityHashes.Changed(previous.Integrity, d.Integrity)) continue;
            yield return $"judged {At(d)} before {previous?.Source} {previous?.Integrity}";
        }

        // KnownVulnerabilityDetector: the entries of the new versions.
        var keys = change.NewVersions.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var d in change.Touched.Where(d => keys.Contains(d.Key))) yield return "matched " + At(d);
        // LockfileMoves: the moved requirers.
        foreach (var d in change.After.Where(d => change.Previous(d) is null)) yield return "moved " + At(d);
    }

    // What the patch-bump judgement read before: every name of the versions before, grouped, then looked up by the new names.
    private static void AssertVersionsBeforeAsTheWholeList(FileDependencyChange change, string what)
    {
        var whole = change.Before.GroupBy(d => d.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(d => d.Version).ToList(), StringComparer.Ordinal);
        var expected = change.NewVersions.Select(d => d.Name).Distinct().Where(whole.ContainsKey).Order(StringComparer.Ordinal).Select(n => $"{n}: {string.Join(',', whole[n])}");
        var actual = change.VersionsBeforeOfNewNames.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {string.Join(',', p.Value)}");
        Assert.True(expected.SequenceEqual(actual), what);
    }

    private static bool Mixed(IReadOnlyList<Dependency> packages) =>
        packages.GroupBy(d => d.Key).Any(g => g.Select(d => (d.Source, d.Integrity)).Distinct().Count() > 1);
}
