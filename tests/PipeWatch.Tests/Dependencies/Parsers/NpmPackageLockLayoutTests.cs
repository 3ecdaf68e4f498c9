using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A <c>package-lock.json</c> version made from the previous version's line segments and the change's <c>-U0</c> hunks
/// (<see cref="NpmPackageLockParser.Follow"/>, as a history scan makes each version) gives exactly what the whole-file parse
/// gives — packages, every field, lines, problems — on every corpus file edited in the ways a commit edits it, and on hostile
/// edits (a hunk splitting a string, a key repeated, a missing comma, NUL, deep nesting, minified JSON, a 20 MB file), which
/// are either followed to the same answer or left to the whole parse (null).
/// </summary>
public sealed class NpmPackageLockLayoutTests
{
    private static readonly NpmPackageLockParser Parser = new();

    [Theory]
    [MemberData(nameof(NpmPackageLockMemoTests.CorpusFiles), MemberType = typeof(NpmPackageLockMemoTests))]
    public void Every_corpus_package_lock_edited_anywhere_follows_to_what_the_whole_parse_gives(string file)
    {
        var text = LockfileDeltaTests.NpmCorpusText(file);
        var followed = 0;
        foreach (var old in (string[])[text, text.Replace("\n", "\r\n", StringComparison.Ordinal)])
        {
            foreach (var (shape, next, edits) in EditedVersions(old))
            {
                var memo = new LockfileBlockMemo();
                var first = Parser.Parse("package-lock.json", old, memo);
                if (first.Layout is null) continue;
                var made = Parser.Follow("package-lock.json", next, memo, first.Layout, edits);
                // Following may give up (the scan then parses the text whole), but never gives another answer.
                if (made is null) continue;
                followed++;
                Assert.True(Whole(next).SequenceEqual(Text(made)), $"{file}: {shape}");
                Assert.True(Whole(next).SequenceEqual(Text(Parser.Parse("package-lock.json", next, memo))), $"{file}: {shape}, read again");
            }
        }

        // Every corpus file npm wrote is cut into segments and followed through its edits; the others are not JSON npm writes
        // (not JSON, null, an entry's key indented by five spaces by hand: a line in no place of the layout).
        var splits = Parser.Parse("package-lock.json", text, new LockfileBlockMemo()).Layout is { Segments.Count: > 0 };
        Assert.Equal(file is not ("not-json.txt" or "null.v2.jsontest" or "optional-package.v2.json"), splits);
        Assert.True(!splits || followed > 0, $"{file}: not followed through any edit");
    }

    [Fact]
    public void A_version_bump_reads_only_the_entry_it_touched_and_moves_the_lines_after_it()
    {
        var memo = new LockfileBlockMemo();
        var old = Lock(("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0"));
        var first = Parser.Parse("package-lock.json", old, memo);
        var (hitsBefore, missesBefore) = memo.Counts;
        // a gains a line (its license) and moves to 1.0.1: the entries after it move down one line.
        var next = old.Replace("\"version\": \"1.0.0\",", "\"version\": \"1.0.1\",\n      \"license\": \"MIT\",", StringComparison.Ordinal);

        var made = Parser.Follow("package-lock.json", next, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next))!;

        Assert.Equal(["a|1.0.1|True|14", "b|2.0.0|True|20", "c|3.0.0|True|25"], made.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}"));
        Assert.Equal(Whole(next), Text(made));
        // Only a's entry (and the project entry before it, which an edit on a's first lines may continue) was looked up again.
        var (hits, misses) = memo.Counts;
        Assert.Equal((0L, 1L), (hits - hitsBefore, misses - missesBefore));
        Assert.Same(first.Layout!.Segments[^3], made.Layout!.Segments[^3]);
        Assert.Equal(["a@1.0.0"], made.Delta!.Removed.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(["a@1.0.1 line 14"], made.Delta.Added.Select(d => $"{d.Name}@{d.Version} line {d.Line}"));
    }

    [Fact]
    public void A_version_1_entry_added_and_one_removed_follow_with_nested_lines_and_direct_flags()
    {
        var memo = new LockfileBlockMemo();
        const string old = "{\n  \"name\": \"shop\",\n  \"lockfileVersion\": 1,\n  \"requires\": true,\n  \"dependencies\": {\n    \"a\": {\n      \"version\": \"1.0.0\",\n      \"requires\": {\n        \"b\": \"^1.0.0\"\n      },\n      \"dependencies\": {\n        \"b\": {\n          \"version\": \"1.0.0\"\n        }\n      }\n    },\n    \"b\": {\n      \"version\": \"2.0.0\"\n    },\n    \"c\": {\n      \"version\": \"3.0.0\"\n    }\n  }\n}\n";
        var first = Parser.Parse("package-lock.json", old, memo);
        // c goes, d comes after b and requires it: b stops being direct though its entry did not change.
        var next = old.Replace("    \"c\": {\n      \"version\": \"3.0.0\"\n    }\n", "    \"d\": {\n      \"version\": \"4.0.0\",\n      \"requires\": {\n        \"b\": \"^2.0.0\"\n      }\n    }\n", StringComparison.Ordinal);

        var made = Parser.Follow("package-lock.json", next, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next))!;

        Assert.Equal(["a|1.0.0|True|6", "b|1.0.0|False|12", "b|2.0.0|False|17", "d|4.0.0|True|20"], made.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}"));
        Assert.Equal(Whole(next), Text(made));
        Assert.Equal(["c@3.0.0"], made.Delta!.Removed.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(["d@4.0.0"], made.Delta.Added.Select(d => $"{d.Name}@{d.Version}"));
    }

    [Fact]
    public void Normal_text_with_no_edit_follows_to_the_same_packages_and_no_problem()
    {
        var text = Lock(("a", "1.0.0"));
        var first = Parser.Parse("package-lock.json", text, new LockfileBlockMemo());

        var made = Parser.Follow("package-lock.json", text, new LockfileBlockMemo(), first.Layout!, [])!;

        Assert.Equal(["a|1.0.0|12"], made.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Line}"));
        Assert.Empty(made.Problems);
        Assert.Empty(made.Delta!.Added);
        Assert.Empty(made.Delta.Removed);
    }

    [Theory]
    [InlineData("  ")]
    [InlineData("\t")]
    [InlineData("    ")]
    public void A_lockfile_indented_as_its_package_json_with_root_arrays_follows_its_edits(string indent)
    {
        // npm indents as package.json does, and copies some of its fields (an array of files) to the root.
        var old = Lock(("a", "1.0.0"), ("b", "2.0.0")).Replace("  \"requires\": true,", "  \"requires\": true,\n  \"files\": [\n    \"lib\"\n  ],", StringComparison.Ordinal).Replace("  ", indent, StringComparison.Ordinal);
        var memo = new LockfileBlockMemo();
        var first = Parser.Parse("package-lock.json", old, memo);
        var next = old.Replace("\"lib\"", "\"lib\",\n" + indent + indent + "\"dist\"", StringComparison.Ordinal).Replace("\"version\": \"2.0.0\"", "\"version\": \"2.0.1\"", StringComparison.Ordinal);
        var edits = new[] { PipeWatch.Bench.OneHunkDiff.Between(old, old.Replace("\"lib\"", "\"lib\",\n" + indent + indent + "\"dist\"", StringComparison.Ordinal))[0], default };
        edits[1] = PipeWatch.Bench.OneHunkDiff.Between(next.Replace("\"version\": \"2.0.1\"", "\"version\": \"2.0.0\"", StringComparison.Ordinal), next)[0];
        edits[1] = edits[1] with { OldStart = edits[1].OldStart - 1 };

        var made = Parser.Follow("package-lock.json", next, memo, first.Layout!, edits);

        Assert.NotNull(made);
        Assert.Equal(Whole(next), Text(made));
        Assert.Equal(["b@2.0.1"], made.Delta!.Added.Select(d => $"{d.Name}@{d.Version}"));
    }

    /// <summary>Hostile edits of a normal lockfile: each is followed to what the whole parse gives, or left to it.</summary>
    [Theory]
    [InlineData("a hunk splitting a string over two lines", "      \"version\": \"2.0.0\",", "      \"version\": \"2.\n0.0\",", false)]
    [InlineData("an entry's key repeated", "    \"node_modules/b\": {", "    \"node_modules/a\": {", true)]
    [InlineData("the project entry repeated", "    \"node_modules/b\": {", "    \"\": {", false)]
    [InlineData("packages repeated", "  \"requires\": true,", "  \"requires\": true,\n  \"packages\": {\n  },", false)]
    [InlineData("a comma removed between entries", "    },\n    \"node_modules/b\": {", "    }\n    \"node_modules/b\": {", false)]
    [InlineData("a trailing comma after the last entry", "sha512-c3.0.0\"\n    }", "sha512-c3.0.0\"\n    },", true)]
    [InlineData("a NUL in a value", "\"version\": \"2.0.0\"", "\"version\": \"2.0\u00000\"", false)]
    [InlineData("a non-ASCII value", "\"version\": \"2.0.0\"", "\"version\": \"2.0.0\",\n      \"description\": \"caf\u00e9\"", false)]
    [InlineData("an entry closed early, its rest another member", "      \"version\": \"2.0.0\",", "      \"version\": \"2.0.0\"\n      }, \"node_modules/x\": {", false)]
    [InlineData("the needle of the next entry in a string before it", "      \"version\": \"2.0.0\",", "      \"version\": \"2.0.0\",\n      \"x\": \"\\\"node_modules/c\\\": {\",", true)]
    [InlineData("the needle of the next entry in a comment before it", "      \"version\": \"2.0.0\",", "      \"version\": \"2.0.0\",\n      // \"node_modules/c\": {", false)]
    [InlineData("a key line written with an escape", "    \"node_modules/b\": {", "    \"node_modules/\\u0062\": {", false)]
    [InlineData("a comment line", "      \"version\": \"2.0.0\",", "      // a comment\n      \"version\": \"2.0.0\",", true)]
    [InlineData("a block comment hiding a closing line", "      \"version\": \"2.0.0\",", "      /*\n    },\n      */\n      \"version\": \"2.0.0\",", false)]
    [InlineData("the lockfile version changed", "  \"lockfileVersion\": 3,", "  \"lockfileVersion\": 2,", false)]
    [InlineData("a tab for indentation", "      \"version\": \"2.0.0\",", "\t\"version\": \"2.0.0\",", false)]
    [InlineData("a line after the root object", "\n}\n", "\n}\nx\n", false)]
    [InlineData("the root closed twice", "\n}\n", "\n}\n}\n", false)]
    [InlineData("a root line that opens an object", "  \"requires\": true,", "  \"requires\": {,", false)]
    [InlineData("packages written on one line", "  \"requires\": true,", "  \"requires\": true,\n  \"packages\": {},", false)]
    [InlineData("an entry that is not an object", "    \"node_modules/b\": {\n      \"version\": \"2.0.0\",", "    \"node_modules/x\": 5,\n    \"node_modules/b\": {\n      \"version\": \"2.0.0\",", false)]
    [InlineData("CRLF on the changed lines only", "      \"version\": \"2.0.0\",", "      \"version\": \"2.0.1\",\r", true)]
    public void Hostile_edits_follow_to_the_whole_parse_or_are_left_to_it(string shape, string find, string replace, bool follows)
    {
        var old = Lock(("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0"));
        var at = old.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, shape);
        var next = old[..at] + replace + old[(at + find.Length)..];
        var memo = new LockfileBlockMemo();
        var first = Parser.Parse("package-lock.json", old, memo);

        var made = Parser.Follow("package-lock.json", next, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next));

        Assert.True(follows == made is not null, $"{shape}: followed {made is not null}");
        if (made is not null) Assert.Equal(Whole(next), Text(made));
        // Read again whole through the memo, the answer is the whole parse's too.
        Assert.Equal(Whole(next), Text(Parser.Parse("package-lock.json", next, memo)));
    }

    [Fact]
    public void Minified_json_is_not_split_and_reads_as_the_whole_file_reads()
    {
        const string text = "{\"name\":\"shop\",\"lockfileVersion\":3,\"packages\":{\"\":{\"dependencies\":{\"a\":\"^1.0.0\"}},\"node_modules/a\":{\"version\":\"1.0.0\"}}}";
        var parse = Parser.Parse("package-lock.json", text, new LockfileBlockMemo());

        // The whole parse's search for '"node_modules/a": {' finds no line in minified text: none here either.
        Assert.Equal(["a|1.0.0|True|"], parse.Dependencies.Select(d => $"{d.Name}|{d.Version}|{d.Direct}|{d.Line}"));
        Assert.Equal(Whole(text), Text(parse));
        Assert.False(parse.Layout is { Segments.Count: > 0 });
    }

    [Fact]
    public void An_entry_nested_past_the_depth_limit_is_the_same_problem_followed_or_whole()
    {
        var old = Lock(("a", "1.0.0"), ("b", "2.0.0"));
        var deep = string.Concat(Enumerable.Repeat("{\"x\": ", 300)) + "1" + new string('}', 300);
        var next = old.Replace("      \"version\": \"2.0.0\",", "      \"version\": \"2.0.0\",\n      \"deep\": " + deep + ",", StringComparison.Ordinal);
        var memo = new LockfileBlockMemo();
        var first = Parser.Parse("package-lock.json", old, memo);

        Assert.Null(Parser.Follow("package-lock.json", next, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next)));
        var whole = Parser.Parse("package-lock.json", next);
        Assert.Empty(whole.Dependencies);
        Assert.StartsWith("invalid JSON", Assert.Single(whole.Problems).Reason, StringComparison.Ordinal);
        Assert.Equal(Text(whole), Text(Parser.Parse("package-lock.json", next, memo)));
    }

    [Theory]
    [InlineData(252)]
    [InlineData(253)]
    [InlineData(254)]
    public void Nesting_at_the_depth_limit_is_followed_exactly_when_the_whole_parse_reads_it(int objects)
    {
        var old = Lock(("a", "1.0.0"), ("b", "2.0.0"));
        // Root, packages and the entry, then the nested objects: the limit (256) falls among these depths.
        var deep = string.Concat(Enumerable.Repeat("{\"x\": ", objects)) + "1" + new string('}', objects);
        var next = old.Replace("      \"version\": \"2.0.0\",", "      \"version\": \"2.0.0\",\n      \"deep\": " + deep + ",", StringComparison.Ordinal);
        var first = Parser.Parse("package-lock.json", old, new LockfileBlockMemo());

        var made = Parser.Follow("package-lock.json", next, new LockfileBlockMemo(), first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next));

        var whole = Parser.Parse("package-lock.json", next);
        Assert.Equal(whole.Problems.Count == 0, made is not null);
        if (made is not null) Assert.Equal(Text(whole), Text(made));
    }

    [Fact]
    public void A_20_MB_lockfile_follows_a_one_entry_change_to_the_whole_parse()
    {
        var padding = new string('x', 150);
        var old = Lock([.. Enumerable.Range(0, 45_000).Select(i => ($"p{i}-{padding}", $"1.0.{i}"))]);
        Assert.True(old.Length > 20_000_000, $"{old.Length} characters");
        var next = old.Replace("\"version\": \"1.0.30000\"", "\"version\": \"9.9.9\"", StringComparison.Ordinal);
        var memo = new LockfileBlockMemo();
        var first = Parser.Parse("package-lock.json", old, memo);
        var (_, misses) = memo.Counts;

        var made = Parser.Follow("package-lock.json", next, memo, first.Layout!, PipeWatch.Bench.OneHunkDiff.Between(old, next))!;

        Assert.Equal(Whole(next), Text(made));
        // The entry changed and the one before it (an edit on an entry's first lines may continue the one before) only.
        Assert.True(memo.Counts.Misses - misses <= 2, $"{memo.Counts.Misses - misses} entries parsed");
        Assert.Equal("9.9.9", Assert.Single(made.Delta!.Added).Version);
    }

    // Versions a commit could make of a package-lock.json, each with its -U0 hunks (one per run of changed lines).
    internal static IEnumerable<(string Shape, string Next, LineEdit[] Edits)> EditedVersions(string text)
    {
        var lines = PipeWatch.Bench.OneHunkDiff.Lines(text);
        var newline = text.Contains('\r', StringComparison.Ordinal) ? "\r\n" : "\n";
        var edits = new List<(string, (int At, int Remove, string[] Insert)[])>
        {
            ("every version raised", [.. lines.Select((l, i) => (i, 1, new[] { l.Replace("\"version\": \"", "\"version\": \"9", StringComparison.Ordinal) })).Where(h => h.Item3[0] != lines[h.i])]),
            ("every dev flag dropped", [.. lines.Select((l, i) => (i, l.Contains("\"dev\": true", StringComparison.Ordinal) ? 1 : 0, Array.Empty<string>())).Where(h => h.Item2 == 1)]),
            ("a line appended at the end", [(lines.Length, 0, [newline])]),
            ("the root's version changed", [.. lines.Take(4).Select((l, i) => (i, 1, new[] { l.Replace("\"version\": \"", "\"version\": \"0.", StringComparison.Ordinal) })).Where(h => h.Item3[0] != lines[h.i])]),
        };
        var entries = Enumerable.Range(0, lines.Length).Where(i => lines[i].StartsWith("    \"", StringComparison.Ordinal)).ToList();
        foreach (var start in entries.Take(3).Concat(entries.TakeLast(2)))
        {
            // An entry of one line, or the lines to the one indented by four that closes it.
            var end = start;
            if (lines[start].TrimEnd().EndsWith('{'))
            {
                end++;
                while (end < lines.Length && !lines[end].StartsWith("    }", StringComparison.Ordinal)) end++;
            }

            if (end >= lines.Length) continue;
            var entry = lines[start..(end + 1)];
            var last = entry[^1].TrimEnd().EndsWith(',') ? entry : [.. entry[..^1], entry[^1].TrimEnd('\r', '\n') + "," + newline];
            edits.Add(($"the entry at line {start + 1} deleted", [(start, end - start + 1, [])]));
            edits.Add(($"the entry at line {start + 1} copied under another key", [(start, 0, [.. last.Select((l, i) => i == 0 ? l.Replace("\": {", "-copy\": {", StringComparison.Ordinal) : l)])]));
            edits.Add(($"the entry at line {start + 1} renamed", [(start, 1, [lines[start].Replace("\": {", "-renamed\": {", StringComparison.Ordinal)])]));
            if (end - start >= 2) edits.Add(($"a field added to the entry at line {start + 1}", [(start + 1, 0, ["      \"license\": \"MIT\"," + newline])]));
            var hash = Array.FindIndex(lines, start, end - start + 1, l => l.Contains("sha512-", StringComparison.Ordinal) || l.Contains("sha1-", StringComparison.Ordinal));
            if (hash >= 0) edits.Add(($"the hash of the entry at line {start + 1} replaced", [(hash, 1, [lines[hash].Replace("sha", "shaX", StringComparison.Ordinal)])]));
        }

        foreach (var (shape, hunks) in edits)
        {
            if (hunks.Length == 0) continue;
            var (next, lineEdits) = LockfileLayoutTests.Apply(lines, hunks);
            yield return (shape, next, lineEdits);
        }
    }

    // A lockfile v3 as npm writes it: the project requires every package.
    internal static string Lock(params (string Name, string Version)[] packages)
    {
        var text = new System.Text.StringBuilder("{\n  \"name\": \"shop\",\n  \"version\": \"0.1.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"dependencies\": {\n");
        for (var i = 0; i < packages.Length; i++) text.Append($"        \"{packages[i].Name}\": \"^{packages[i].Version}\"{(i < packages.Length - 1 ? "," : "")}\n");
        text.Append("      }\n    }");
        foreach (var (name, version) in packages)
        {
            text.Append($",\n    \"node_modules/{name}\": {{\n      \"version\": \"{version}\",\n      \"resolved\": \"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz\",\n      \"integrity\": \"sha512-{name}{version}\"\n    }}");
        }

        return text.Append("\n  }\n}\n").ToString();
    }

    private static List<string> Whole(string text) => Text(Parser.Parse("package-lock.json", text));

    private static List<string> Text(LockfileParse parse) => PnpmLockReadersTests.Text(parse);
}
