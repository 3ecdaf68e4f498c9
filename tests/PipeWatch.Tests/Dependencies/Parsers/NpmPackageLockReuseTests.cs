using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A followed <c>package-lock.json</c> version (<see cref="NpmPackageLockParser.Follow"/>) takes over the previous version's
/// dependency objects for the entries its change did not touch — the same object when its line and direct flag are the same, a
/// copy with the new values when not — and makes only the entries the change made; at every step of a chain of follows, with
/// entries added, removed, moved and made direct or not, and through hostile edits, it gives exactly what the whole parse gives.
/// </summary>
public sealed class NpmPackageLockReuseTests
{
    private static readonly NpmPackageLockParser Parser = new();

    [Fact]
    public void A_followed_version_takes_over_the_dependencies_of_the_entries_its_change_did_not_touch()
    {
        var memo = new LockfileBlockMemo();
        var v1 = NpmPackageLockLayoutTests.Lock(("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0"));
        var first = Parser.Parse("package-lock.json", v1, memo);
        var v2 = v1.Replace("\"version\": \"3.0.0\"", "\"version\": \"3.0.1\"", StringComparison.Ordinal);
        var v3 = v2.Replace("\"integrity\": \"sha512-c3.0.0\"", "\"integrity\": \"sha512-c3.0.1\"", StringComparison.Ordinal);

        var second = Follow(v1, v2, first, memo);
        var third = Follow(v2, v3, second, memo);

        Assert.Equal(["a|1.0.0|True|14", "b|2.0.0|True|19", "c|3.0.1|True|24"], Summary(third));
        // a and b were not touched by either change: the first version's objects, through the chain.
        Assert.Same(first.Dependencies[0], third.Dependencies[0]);
        Assert.Same(first.Dependencies[1], third.Dependencies[1]);
        Assert.NotSame(second.Dependencies[2], third.Dependencies[2]);
        Assert.Equal("sha512-c3.0.1", third.Dependencies[2].Integrity);
        Assert.Equal(["c@3.0.1 sha512-c3.0.1"], third.Delta!.Added.Select(d => $"{d.Name}@{d.Version} {d.Integrity}"));
        Assert.Equal(["c@3.0.1 sha512-c3.0.0"], third.Delta.Removed.Select(d => $"{d.Name}@{d.Version} {d.Integrity}"));
    }

    [Fact]
    public void Entries_a_change_moves_are_copies_at_their_new_line_then_taken_over_as_they_are()
    {
        var memo = new LockfileBlockMemo();
        var v1 = NpmPackageLockLayoutTests.Lock(("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0"));
        var first = Parser.Parse("package-lock.json", v1, memo);
        // a gains a line: b and c move down one line, their entries untouched.
        var v2 = v1.Replace("\"version\": \"1.0.0\",", "\"version\": \"1.0.0\",\n      \"license\": \"MIT\",", StringComparison.Ordinal);
        var v3 = v2.Replace("\"version\": \"3.0.0\"", "\"version\": \"3.0.1\"", StringComparison.Ordinal);

        var second = Follow(v1, v2, first, memo);
        var third = Follow(v2, v3, second, memo);

        Assert.Equal(["a|1.0.0|True|14", "b|2.0.0|True|20", "c|3.0.0|True|25"], Summary(second));
        Assert.Equal(first.Dependencies[1] with { Line = 20 }, second.Dependencies[1]);
        Assert.Equal(first.Dependencies[2] with { Line = 25 }, second.Dependencies[2]);
        Assert.NotSame(first.Dependencies[1], second.Dependencies[1]);
        // A move is no change: only a's entry is in the delta.
        Assert.Equal(["a@1.0.0"], second.Delta!.Added.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(["a@1.0.0"], second.Delta.Removed.Select(d => $"{d.Name}@{d.Version}"));
        // The next change is below b: b's copy is taken over as it is.
        Assert.Same(second.Dependencies[1], third.Dependencies[1]);
        Assert.Equal("3.0.1", third.Dependencies[2].Version);
    }

    [Fact]
    public void A_requirement_of_the_project_dropped_makes_its_untouched_entry_indirect_and_back()
    {
        var memo = new LockfileBlockMemo();
        var v1 = NpmPackageLockLayoutTests.Lock(("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0"));
        var first = Parser.Parse("package-lock.json", v1, memo);
        var v2 = v1.Replace("        \"b\": \"^2.0.0\",\n", "", StringComparison.Ordinal);

        var second = Follow(v1, v2, first, memo);
        var third = Follow(v2, v1, second, memo);

        Assert.Equal(["a|1.0.0|True|13", "b|2.0.0|False|18", "c|3.0.0|True|23"], Summary(second));
        Assert.Equal(["a|1.0.0|True|14", "b|2.0.0|True|19", "c|3.0.0|True|24"], Summary(third));
        Assert.Equal(first.Dependencies, third.Dependencies);
    }

    [Fact]
    public void Entries_added_and_removed_are_made_and_dropped_and_the_others_kept()
    {
        var memo = new LockfileBlockMemo();
        var v1 = NpmPackageLockLayoutTests.Lock(("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0"));
        var first = Parser.Parse("package-lock.json", v1, memo);
        // x comes in under a (nested, not direct), and c goes.
        var v2 = v1.Replace("    \"node_modules/b\": {", "    \"node_modules/a/node_modules/x\": {\n      \"version\": \"9.0.0\"\n    },\n    \"node_modules/b\": {", StringComparison.Ordinal);
        var v3 = v2.Replace(",\n    \"node_modules/c\": {\n      \"version\": \"3.0.0\",\n      \"resolved\": \"https://registry.npmjs.org/c/-/c-3.0.0.tgz\",\n      \"integrity\": \"sha512-c3.0.0\"\n    }", "", StringComparison.Ordinal);
        Assert.NotEqual(v2, v3);

        var second = Follow(v1, v2, first, memo);
        var third = Follow(v2, v3, second, memo);

        Assert.Equal(["a|1.0.0|True|14", "x|9.0.0|False|19", "b|2.0.0|True|22", "c|3.0.0|True|27"], Summary(second));
        Assert.Same(first.Dependencies[0], second.Dependencies[0]);
        Assert.Equal(first.Dependencies[1] with { Line = 22 }, second.Dependencies[2]);
        Assert.Equal(["x@9.0.0"], second.Delta!.Added.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(["a|1.0.0|True|14", "x|9.0.0|False|19", "b|2.0.0|True|22"], Summary(third));
        Assert.Same(second.Dependencies[1], third.Dependencies[1]);
        Assert.Equal(["c@3.0.0"], third.Delta!.Removed.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Empty(third.Delta.Added);
    }

    private const string V1 = "{\n  \"name\": \"shop\",\n  \"lockfileVersion\": 1,\n  \"requires\": true,\n  \"dependencies\": {\n    \"a\": {\n      \"version\": \"1.0.0\",\n      \"requires\": {\n        \"b\": \"^1.0.0\"\n      },\n      \"dependencies\": {\n        \"b\": {\n          \"version\": \"1.0.0\"\n        }\n      }\n    },\n    \"b\": {\n      \"version\": \"2.0.0\"\n    },\n    \"c\": {\n      \"version\": \"3.0.0\"\n    }\n  }\n}\n";

    [Fact]
    public void A_version_1_entry_keeps_its_nested_packages_and_one_no_longer_direct_is_made_again()
    {
        var memo = new LockfileBlockMemo();
        var first = Parser.Parse("package-lock.json", V1, memo);
        var v2 = V1.Replace("\"version\": \"3.0.0\"", "\"version\": \"3.0.1\"", StringComparison.Ordinal);
        // c now requires a: a's entry is untouched, but a stops being direct (its nested b stays as it was).
        var v3 = v2.Replace("      \"version\": \"3.0.1\"\n", "      \"version\": \"3.0.1\",\n      \"requires\": {\n        \"a\": \"^1.0.0\"\n      }\n", StringComparison.Ordinal);

        var second = Follow(V1, v2, first, memo);
        var third = Follow(v2, v3, second, memo);

        Assert.Equal(["a|1.0.0|True|6", "b|1.0.0|False|12", "b|2.0.0|False|17", "c|3.0.1|True|20"], Summary(second));
        Assert.Same(first.Dependencies[0], second.Dependencies[0]);
        Assert.Same(first.Dependencies[1], second.Dependencies[1]);
        Assert.Same(first.Dependencies[2], second.Dependencies[2]);
        Assert.Equal(["a|1.0.0|False|6", "b|1.0.0|False|12", "b|2.0.0|False|17", "c|3.0.1|True|20"], Summary(third));
        Assert.Equal(first.Dependencies[0] with { Direct = false }, third.Dependencies[0]);
        Assert.Same(second.Dependencies[1], third.Dependencies[1]);
        Assert.Same(second.Dependencies[2], third.Dependencies[2]);
    }

    [Fact]
    public void A_version_1_top_level_entry_is_direct_again_only_when_the_last_entry_requiring_it_drops_it()
    {
        // The names required are counted by entry and carried from version to version: two entries requiring b keep it indirect
        // until both drop it, and an edit that changes no requirement keeps the counts as they were.
        var memo = new LockfileBlockMemo();
        var first = Parser.Parse("package-lock.json", V1, memo);
        var cRequiresB = V1.Replace("      \"version\": \"3.0.0\"\n", "      \"version\": \"3.0.0\",\n      \"requires\": {\n        \"b\": \"^2.0.0\"\n      }\n", StringComparison.Ordinal);
        var aDropsB = cRequiresB.Replace("      \"requires\": {\n        \"b\": \"^1.0.0\"\n      },\n", "", StringComparison.Ordinal);
        var cDropsB = aDropsB.Replace("      \"version\": \"3.0.0\",\n      \"requires\": {\n        \"b\": \"^2.0.0\"\n      }\n", "      \"version\": \"3.0.0\"\n", StringComparison.Ordinal);
        var cBumped = cDropsB.Replace("\"version\": \"3.0.0\"", "\"version\": \"3.0.1\"", StringComparison.Ordinal);

        var second = Follow(V1, cRequiresB, first, memo);
        var third = Follow(cRequiresB, aDropsB, second, memo);
        var fourth = Follow(aDropsB, cDropsB, third, memo);
        var fifth = Follow(cDropsB, cBumped, fourth, memo);
        var back = Follow(cBumped, V1, fifth, memo);

        Assert.Equal(["a|1.0.0|True|6", "b|1.0.0|False|12", "b|2.0.0|False|17", "c|3.0.0|True|20"], Summary(second));
        Assert.Equal(["a|1.0.0|True|6", "b|1.0.0|False|9", "b|2.0.0|False|14", "c|3.0.0|True|17"], Summary(third));
        Assert.Equal(["a|1.0.0|True|6", "b|1.0.0|False|9", "b|2.0.0|True|14", "c|3.0.0|True|17"], Summary(fourth));
        Assert.Equal(["a|1.0.0|True|6", "b|1.0.0|False|9", "b|2.0.0|True|14", "c|3.0.1|True|17"], Summary(fifth));
        Assert.Same(fourth.Dependencies[2], fifth.Dependencies[2]);
        Assert.Equal(Summary(first), Summary(back));
    }

    [Fact]
    public void A_version_1_entry_with_a_hostile_requires_value_follows_to_what_the_whole_parse_gives()
    {
        // A requires block that is not an object of names, and a name required twice by one entry: counted as the whole parse counts.
        var memo = new LockfileBlockMemo();
        var first = Parser.Parse("package-lock.json", V1, memo);
        var twice = V1.Replace("        \"b\": \"^1.0.0\"\n", "        \"b\": \"^1.0.0\",\n        \"b\": \"^1.0.1\",\n        \"c\": [1, 2]\n", StringComparison.Ordinal);

        var made = Parser.Follow("package-lock.json", twice, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(V1, twice));
        var whole = Parser.Parse("package-lock.json", twice);

        Assert.Equal(PnpmLockReadersTests.Text(whole), PnpmLockReadersTests.Text(made ?? Parser.Parse("package-lock.json", twice, memo)));
        if (made is not null) Assert.Equal(PnpmLockReadersTests.Text(Parser.Parse("package-lock.json", V1)), PnpmLockReadersTests.Text(Follow(twice, V1, made, memo)));
    }

    [Theory]
    [MemberData(nameof(NpmPackageLockMemoTests.CorpusFiles), MemberType = typeof(NpmPackageLockMemoTests))]
    public void Every_corpus_package_lock_followed_through_a_chain_of_edits_is_the_whole_parse_at_every_step(string file)
    {
        var text = LockfileDeltaTests.NpmCorpusText(file);
        var memo = new LockfileBlockMemo();
        var parse = Parser.Parse("package-lock.json", text, memo);
        var (followed, kept) = (0, 0);
        // Each step edits the version before it, as a history does; a step not followed is read whole, as the scan reads it.
        for (var step = 0; step < 8; step++)
        {
            var options = NpmPackageLockLayoutTests.EditedVersions(text).ToList();
            if (options.Count == 0) break;
            var (shape, next, edits) = options[(step * 5 + 2) % options.Count];
            var made = parse.Layout is { } layout ? Parser.Follow("package-lock.json", next, memo, layout, edits) : null;
            if (made is not null)
            {
                followed++;
                kept += made.Dependencies.Intersect(parse.Dependencies, ReferenceEqualityComparer.Instance).Count();
            }

            made ??= Parser.Parse("package-lock.json", next, memo);
            Assert.True(Whole(next).SequenceEqual(PnpmLockReadersTests.Text(made)), $"{file}: step {step}, {shape}");
            (text, parse) = (next, made);
        }

        // Then a line appended at the end: every dependency is taken over as it is.
        var appended = text + (text.Contains('\r', StringComparison.Ordinal) ? "\r\n" : "\n");
        var last = parse.Layout is { } before ? Parser.Follow("package-lock.json", appended, memo, before, PipeWatch.Bench.OneHunkDiff.Between(text, appended)) : null;
        var splits = Parser.Parse("package-lock.json", LockfileDeltaTests.NpmCorpusText(file), new LockfileBlockMemo()).Layout is { Segments.Count: > 0 };
        Assert.True(!splits || (followed > 0 && last is not null), $"{file}: followed {followed}, kept {kept}");
        if (last is not null)
        {
            Assert.Equal(Whole(appended), PnpmLockReadersTests.Text(last));
            // (A version not cut into segments is read whole, into new objects.)
            if (parse.Layout is { Segments.Count: > 0 }) Assert.Equal(parse.Dependencies.Count, last.Dependencies.Intersect(parse.Dependencies, ReferenceEqualityComparer.Instance).Count());
        }
    }

    /// <summary>A hostile version in a chain: followed to the whole parse's answer or read whole, and the versions after it too.</summary>
    [Theory]
    [InlineData("an entry's key repeated", "    \"node_modules/b\": {", "    \"node_modules/a\": {")]
    [InlineData("the project entry repeated", "    \"node_modules/b\": {", "    \"\": {")]
    [InlineData("a comma removed between entries", "    },\n    \"node_modules/b\": {", "    }\n    \"node_modules/b\": {")]
    [InlineData("the needle of the next entry in a string before it", "      \"version\": \"2.0.0\",", "      \"version\": \"2.0.0\",\n      \"x\": \"\\\"node_modules/c\\\": {\",")]
    [InlineData("a project requirement named as a nested folder", "        \"b\": \"^2.0.0\",", "        \"a/node_modules/b\": \"^2.0.0\",")]
    [InlineData("the project's requirements not an object", "      \"dependencies\": {\n        \"a\": \"^1.0.0\",\n        \"b\": \"^2.0.0\",\n        \"c\": \"^3.0.0\"\n      }", "      \"dependencies\": [\"a\", \"b\", \"c\"]")]
    [InlineData("CRLF on the changed lines only", "      \"version\": \"2.0.0\",", "      \"version\": \"2.0.1\",\r")]
    public void A_hostile_version_and_the_versions_after_it_are_what_the_whole_parse_gives(string shape, string find, string replace)
    {
        var v1 = NpmPackageLockLayoutTests.Lock(("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0"));
        var at = v1.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, shape);
        var hostile = v1[..at] + replace + v1[(at + find.Length)..];
        var after = hostile.Replace("\"version\": \"3.0.0\"", "\"version\": \"3.0.1\"", StringComparison.Ordinal);
        var memo = new LockfileBlockMemo();
        var parse = Parser.Parse("package-lock.json", v1, memo);
        var text = v1;

        foreach (var next in (string[])[hostile, after, v1])
        {
            var made = (parse.Layout is { } layout ? Parser.Follow("package-lock.json", next, memo, layout, PipeWatch.Bench.OneHunkDiff.Between(text, next)) : null)
                ?? Parser.Parse("package-lock.json", next, memo);
            Assert.Equal(Whole(next), PnpmLockReadersTests.Text(made));
            (text, parse) = (next, made);
        }
    }

    [Fact]
    public void Normal_versions_followed_raise_no_problem()
    {
        var memo = new LockfileBlockMemo();
        var v1 = NpmPackageLockLayoutTests.Lock(("a", "1.0.0"), ("b", "2.0.0"));
        var first = Parser.Parse("package-lock.json", v1, memo);

        var second = Follow(v1, v1.Replace("\"version\": \"2.0.0\"", "\"version\": \"2.0.1\"", StringComparison.Ordinal), first, memo);

        Assert.Empty(first.Problems);
        Assert.Empty(second.Problems);
        Assert.Same(first.Dependencies[0], second.Dependencies[0]);
    }

    // The next version followed from the previous one's layout and the one hunk between them; it must be followed, and be what the whole parse gives.
    private static LockfileParse Follow(string old, string next, LockfileParse previous, LockfileBlockMemo memo)
    {
        var made = Parser.Follow("package-lock.json", next, memo, previous.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next));
        Assert.NotNull(made);
        Assert.Equal(Whole(next), PnpmLockReadersTests.Text(made));
        return made;
    }

    private static List<string> Summary(LockfileParse parse) => [.. parse.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}")];

    private static List<string> Whole(string text) => PnpmLockReadersTests.Text(Parser.Parse("package-lock.json", text));
}
