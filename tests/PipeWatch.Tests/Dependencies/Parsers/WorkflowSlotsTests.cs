using System.Text.RegularExpressions;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// A workflow version's dependency list made from the previous version's <see cref="WorkflowSlots"/> and the change's <c>-U0</c>
/// hunks (<see cref="GitHubWorkflowParser.Follow"/>, as a history scan makes each version) is exactly what the whole parse gives
/// (every field, lines included) for the one-line value changes a dependency bot makes; every other change gives null (the scan
/// then parses the text whole).
/// </summary>
public sealed partial class WorkflowSlotsTests
{
    private const string Path = ".github/workflows/build.yml";
    private const string Old = "6b6cb8ba6b8ab7c9e48dd1d11fc3bc4ddca76b6e";
    private const string New = "3d3c42e5aac5ba805825da76410c181273ba90b1";
    private static readonly GitHubWorkflowParser Parser = new();

    // The shape of a busy action's build workflow (Renovate's own): SHA pins with their version comments, a local action, an env
    // version a bot bumps, a job container pinned by tag and digest, a service, a docker:// step.
    private const string Build = """
        name: Build

        on:
          push:
          pull_request:

        env:
          RENOVATE_VERSION: 44.39.1 # renovate: datasource=docker depName=ghcr.io/renovatebot/renovate

        jobs:
          prepare:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@6b6cb8ba6b8ab7c9e48dd1d11fc3bc4ddca76b6e # v6.1.0
                with:
                  show-progress: false

              - name: Setup Node.js
                uses: ./.github/actions/setup-node

          renovate-config-validator:
            runs-on: ubuntu-latest
            container:
              image: ghcr.io/renovatebot/renovate:44.39.1@sha256:00699dedb6d44bf645e3f0a98729bcdb660a660f1952a53d9592d3a127088b11
              options: -u 1001:0
            services:
              redis: redis:7.2
            steps:
              - name: Checkout
                uses: actions/checkout@6b6cb8ba6b8ab7c9e48dd1d11fc3bc4ddca76b6e # v6.1.0
              - uses: docker://ghcr.io/acme/lint:1.2
              - run: |
                  uses: not/a-dependency@v1
                  renovate-config-validator --strict

        """;

    [Fact]
    public void A_pin_bump_on_two_lines_follows_to_the_new_sha_and_version_at_the_same_lines()
    {
        var next = Build.Replace($"{Old} # v6.1.0", $"{New} # v7.0.1", StringComparison.Ordinal);

        var followed = Follow(Build, next, [new LineEdit(14, 1, 14, 1), new LineEdit(30, 1, 30, 1)]);

        Assert.Equal(
        [
            $"GitHub Actions|actions/checkout|v7.0.1|{New}|14",
            "Docker|ghcr.io/renovatebot/renovate|44.39.1|sha256:00699dedb6d44bf645e3f0a98729bcdb660a660f1952a53d9592d3a127088b11|24",
            "Docker|redis|7.2||27",
            $"GitHub Actions|actions/checkout|v7.0.1|{New}|30",
            "Docker|ghcr.io/acme/lint|1.2||31",
        ], followed.Dependencies.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Integrity}|{d.Line}"));
        Assert.Equal(Whole(next), PnpmLockReadersTests.Text(followed));
    }

    [Fact]
    public void A_version_comment_bump_alone_changes_the_version_and_keeps_the_sha()
    {
        var next = ReplaceFirst(Build, "# v6.1.0", "# v6.1.1");

        var followed = Follow(Build, next, [new LineEdit(14, 1, 14, 1)]);

        Assert.Equal([$"actions/checkout|v6.1.1|{Old}|14", $"actions/checkout|v6.1.0|{Old}|30"], followed.Dependencies.Where(d => d.Name == "actions/checkout").Select(d => $"{d.Name}|{d.Version}|{d.Integrity}|{d.Line}"));
        Assert.Equal(Whole(next), PnpmLockReadersTests.Text(followed));
    }

    [Fact]
    public void An_image_tag_and_digest_bump_follows_to_the_new_image()
    {
        var next = Build.Replace("renovate:44.39.1@sha256:00699dedb6d44bf645e3f0a98729bcdb660a660f1952a53d9592d3a127088b11", "renovate:44.39.2@sha256:e6b93e709ca64495ab9307350b260064276ee02d15c6886387fd2d42c926623b", StringComparison.Ordinal)
            .Replace("redis: redis:7.2", "redis: redis:7.4", StringComparison.Ordinal);

        var followed = Follow(Build, next, [new LineEdit(24, 1, 24, 1), new LineEdit(27, 1, 27, 1)]);

        Assert.Equal(
            ["ghcr.io/renovatebot/renovate|44.39.2|sha256:e6b93e709ca64495ab9307350b260064276ee02d15c6886387fd2d42c926623b|24", "redis|7.4||27"],
            followed.Dependencies.Where(d => d.Ecosystem == "Docker" && d.Name != "ghcr.io/acme/lint").Select(d => $"{d.Name}|{d.Version}|{d.Integrity}|{d.Line}"));
        Assert.Equal(Whole(next), PnpmLockReadersTests.Text(followed));
    }

    [Fact]
    public void An_env_version_bump_keeps_the_same_list()
    {
        var before = Parser.Parse(Path, Build);
        var next = Build.Replace("RENOVATE_VERSION: 44.39.1", "RENOVATE_VERSION: 44.39.2", StringComparison.Ordinal);

        var followed = Parser.Follow(Path, next, new LockfileBlockMemo(), before.Layout!, [new LineEdit(8, 1, 8, 1)])!;

        // No dependency is read from that line: the list is the previous version's, not rebuilt.
        Assert.Same(before.Dependencies, followed.Dependencies);
        Assert.Equal(Whole(next), PnpmLockReadersTests.Text(followed));
    }

    [Fact]
    public void A_local_action_that_becomes_a_repository_one_is_added_in_its_place_and_the_reverse_removed()
    {
        var next = Build.Replace("uses: ./.github/actions/setup-node", "uses: actions/setup-node@v4", StringComparison.Ordinal)
            .Replace("uses: docker://ghcr.io/acme/lint:1.2", "uses: ./lint", StringComparison.Ordinal);

        var followed = Follow(Build, next, [new LineEdit(19, 1, 19, 1), new LineEdit(31, 1, 31, 1)]);

        Assert.Equal(
            ["actions/checkout@v6.1.0:14", "actions/setup-node@v4:19", "ghcr.io/renovatebot/renovate@44.39.1:24", "redis@7.2:27", "actions/checkout@v6.1.0:30"],
            followed.Dependencies.Select(d => $"{d.Name}@{d.Version}:{d.Line}"));
        Assert.Equal(Whole(next), PnpmLockReadersTests.Text(followed));
    }

    [Fact]
    public void Versions_made_from_made_versions_stay_equal_to_the_whole_parse()
    {
        var versions = new[] { "44.39.1", "44.39.2", "44.40.0", "45.0.0" };
        var parse = Parser.Parse(Path, Build);
        for (var i = 1; i < versions.Length; i++)
        {
            var next = Build.Replace("renovate:44.39.1@", $"renovate:{versions[i]}@", StringComparison.Ordinal);
            parse = Parser.Follow(Path, next, new LockfileBlockMemo(), parse.Layout!, [new LineEdit(24, 1, 24, 1)])!;
            Assert.Equal(Whole(next), PnpmLockReadersTests.Text(parse));
        }
    }

    [Theory]
    [InlineData("a line inserted", "      - uses: actions/checkout@", "      - run: echo\n      - uses: actions/checkout@", 14, 1, 14, 2)]
    [InlineData("the key changed", "    uses: ./.github/actions/setup-node", "    with: ./.github/actions/setup-node", 19, 1, 19, 1)]
    [InlineData("the lead changed", "      - uses: docker://ghcr.io/acme/lint:1.2", "        uses: docker://ghcr.io/acme/lint:1.2", 31, 1, 31, 1)]
    [InlineData("a quoted value", "    uses: ./.github/actions/setup-node", "    uses: \"actions/setup-node@v4\"", 19, 1, 19, 1)]
    [InlineData("an expression", "      redis: redis:7.2", "      redis: redis:${{ matrix.redis }}", 27, 1, 27, 1)]
    [InlineData("an anchor", "      redis: redis:7.2", "      redis: &redis redis:7.2", 27, 1, 27, 1)]
    [InlineData("a flow mapping", "      redis: redis:7.2", "      redis: {image: redis:7.4}", 27, 1, 27, 1)]
    [InlineData("a line inside a block scalar", "          uses: not/a-dependency@v1", "          uses: not/a-dependency@v2", 33, 1, 33, 1)]
    [InlineData("a control character in the comment", "RENOVATE_VERSION: 44.39.1 #", "RENOVATE_VERSION: 44.39.2 # \u0001", 8, 1, 8, 1)]
    [InlineData("a tab before the comment", "RENOVATE_VERSION: 44.39.1 #", "RENOVATE_VERSION: 44.39.2\t#", 8, 1, 8, 1)]
    [InlineData("a line that is not KEY: VALUE", "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions", "    runs-on: [ubuntu-latest]\n    steps:\n      - uses: actions", 12, 1, 12, 1)]
    public void Changes_that_are_not_one_line_value_changes_are_left_to_the_whole_parse(string shape, string from, string to, int oldStart, int oldCount, int newStart, int newCount)
    {
        var next = ReplaceFirst(Build, from, to);
        Assert.NotEqual(Build, next);

        var followed = Parser.Follow(Path, next, new LockfileBlockMemo(), Parser.Parse(Path, Build).Layout!, [new LineEdit(oldStart, oldCount, newStart, newCount)]);

        Assert.True(followed is null, shape);
    }

    [Theory]
    [InlineData("edits past the end of the old text", 40, 1)]
    [InlineData("edits out of order", 24, 1)]
    [InlineData("a count that overflows past the old text", 2, int.MaxValue)]
    [InlineData("a line 0", 0, 1)]
    public void Edits_that_do_not_fit_the_old_version_give_null(string shape, int oldStart, int oldCount)
    {
        var layout = Parser.Parse(Path, Build).Layout!;
        var next = Build.Replace("redis: redis:7.2", "redis: redis:7.4", StringComparison.Ordinal);
        LineEdit[] edits = shape.Contains("order", StringComparison.Ordinal) ? [new LineEdit(oldStart, oldCount, oldStart, oldCount), new LineEdit(14, 1, 14, 1)] : [new LineEdit(oldStart, oldCount, oldStart, oldCount)];

        Assert.Null(Parser.Follow(Path, next, new LockfileBlockMemo(), layout, edits));
    }

    [Fact]
    public void Edits_that_do_not_fit_the_new_text_give_null()
    {
        // A line was added after the bumped one, but the hunk names only the bump: the new text has a line more than the old.
        var next = Build.Replace("redis: redis:7.2", "redis: redis:7.4\n      cache: redis:7", StringComparison.Ordinal);

        Assert.Null(Parser.Follow(Path, next, new LockfileBlockMemo(), Parser.Parse(Path, Build).Layout!, [new LineEdit(27, 1, 27, 1)]));
    }

    [Fact]
    public void A_file_past_the_size_limit_is_parsed_whole_every_time()
    {
        var large = Build + string.Concat(Enumerable.Repeat("# a long comment line that pads the file past the limit of what a version keeps\n", WorkflowSlots.MaxCharacters / 80 + 1));

        var parse = Parser.Parse(Path, large);

        Assert.Equal(5, parse.Dependencies.Count);
        Assert.Null(parse.Layout);
        Assert.NotNull(Parser.Parse(Path, Build).Layout);
    }

    [Theory]
    [InlineData("an anchored step list", "x-steps: &steps\n  - uses: actions/checkout@v4\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: *steps\n")]
    [InlineData("CRLF line ends", "jobs:\r\n  a:\r\n    runs-on: ubuntu-latest\r\n    steps:\r\n      - uses: actions/checkout@v4\r\n")]
    public void Files_whose_lines_may_feed_several_places_or_number_apart_are_not_followed(string shape, string text)
    {
        var parse = Parser.Parse(Path, text);

        Assert.NotEmpty(parse.Dependencies);
        Assert.True(parse.Layout is null, shape);
    }

    [Fact]
    public void Normal_text_with_no_edit_follows_to_the_same_packages()
    {
        var before = Parser.Parse(Path, Build);

        var followed = Parser.Follow(Path, Build, new LockfileBlockMemo(), before.Layout!, [])!;

        Assert.Same(before.Dependencies, followed.Dependencies);
        Assert.Empty(followed.Problems);
    }

    public static TheoryData<string> CorpusFiles() =>
        [.. Directory.GetFiles(Corpus.File("workflows"), "*.y*ml", SearchOption.AllDirectories)
            .Select(f => System.IO.Path.GetRelativePath(Corpus.File("workflows"), f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_workflow_with_its_values_bumped_follows_to_what_the_whole_parse_gives(string file)
    {
        var text = File.ReadAllText(Corpus.File("workflows", file));
        var first = Parser.Parse(Path, text);
        if (first.Layout is null) return;
        var lines = text.Split('\n');
        var values = Enumerable.Range(0, lines.Length).Where(i => BumpableValue().IsMatch(lines[i])).ToList();
        var edits = new List<(string Shape, int[] Lines, Func<string, string> Bump)>
        {
            ("every value line bumped", [.. values], Bumped),
            ("the first and last value lines bumped", [.. values.Take(1).Concat(values.Skip(1).TakeLast(1))], Bumped),
            ("every version comment bumped", [.. values.Where(i => lines[i].Contains('#', StringComparison.Ordinal))], l => Regex.Replace(l, @"#\s*v?\d+(\.\d+)*", "# v9.9.9")),
        };
        foreach (var i in values.Where(i => lines[i].TrimStart(' ', '-').StartsWith("uses:", StringComparison.Ordinal) || lines[i].Contains("image:", StringComparison.Ordinal)))
        {
            edits.Add(($"line {i + 1} made local", [i], l => ReplaceValue(l, "./local")));
            edits.Add(($"line {i + 1} made a pinned action", [i], l => ReplaceValue(l, $"acme/tool@{New}") + " # v1.2.3"));
            edits.Add(($"line {i + 1} made a docker image", [i], l => ReplaceValue(l, "docker://alpine:3.20")));
        }

        var followedAny = false;
        foreach (var (shape, changed, bump) in edits)
        {
            var next = lines.ToArray();
            foreach (var i in changed) next[i] = bump(lines[i]);
            var nextText = string.Join('\n', next);
            var followed = Parser.Follow(Path, nextText, new LockfileBlockMemo(), first.Layout, [.. changed.Where(i => next[i] != lines[i]).Select(i => new LineEdit(i + 1, 1, i + 1, 1))]);
            // Following may give up (the scan then parses the text whole), but never gives another answer.
            if (followed is not null) Assert.True(Whole(nextText).SequenceEqual(PnpmLockReadersTests.Text(followed)), $"{file}: {shape}");
            followedAny |= followed is not null;
        }

        // A file with a dependency on a `KEY: VALUE` line is followed through the changes of that line.
        if (values.Any(i => first.Dependencies.Any(d => d.Line == i + 1))) Assert.True(followedAny, file);
    }

    private static string Bumped(string line) => BumpableValue().Replace(line, m => m.Groups["lead"].Value + m.Groups["value"].Value + "1" + m.Groups["rest"].Value);

    private static string ReplaceValue(string line, string value) => BumpableValue().Replace(line, m => m.Groups["lead"].Value + value);

    private static LockfileParse Follow(string before, string next, LineEdit[] edits)
    {
        var layout = Parser.Parse(Path, before).Layout;
        Assert.NotNull(layout);
        var followed = Parser.Follow(Path, next, new LockfileBlockMemo(), layout, edits);
        Assert.NotNull(followed);
        return followed;
    }

    private static List<string> Whole(string text) => PnpmLockReadersTests.Text(Parser.Parse(Path, text));

    private static string ReplaceFirst(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        return at < 0 ? text : string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length));
    }

    [GeneratedRegex(@"^(?<lead> *(?:- +)?[A-Za-z0-9_][A-Za-z0-9_.-]*: +)(?<value>[A-Za-z0-9_./][A-Za-z0-9_./@+-]*(?::[A-Za-z0-9_./@+-]+)*)(?<rest>(?: +#.*)? *)$")]
    private static partial Regex BumpableValue();
}
