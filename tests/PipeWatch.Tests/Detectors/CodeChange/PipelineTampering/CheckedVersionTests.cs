using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;

/// <summary>
/// A version derived from the previous one by a value change (<see cref="ValueChange"/>) runs only the checks that can see the
/// change, and finds exactly what running every check on a whole parse of it finds, check by check.
/// </summary>
public sealed partial class CheckedVersionTests(ITestOutputHelper output)
{
    private const string Path = ".github/workflows/build.yml";

    private const string Renovate = """
        on:
          push:
          pull_request:
        env:
          RENOVATE_VERSION: 44.39.1 # renovate: datasource=docker depName=ghcr.io/renovatebot/renovate
        jobs:
          lint:
            runs-on: ubuntu-latest
            if: ${{ github.event_name != 'pull_request' || github.repository_owner != github.event.pull_request.head.repo.owner.login }}
            steps:
              - uses: actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0
                with:
                  persist-credentials: false
              - name: Lint
                run: npm run lint
          release:
            runs-on: ubuntu-latest
            container:
              image: ghcr.io/renovatebot/renovate:44.39.1@sha256:00699dedb6d44bf645e3f0a98729bcdb660a660f1952a53d9592d3a127088b11
            steps:
              - name: Checkout
                uses: actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0
                with:
                  persist-credentials: false
              - name: Release
                if: ${{ github.ref_name == github.event.repository.default_branch }}
                run: npm run release
                env:
                  GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
        """;

    [Fact]
    public void A_renovate_version_bump_runs_only_the_image_check_and_finds_what_a_whole_parse_finds()
    {
        var after = Renovate.Replace("44.39.1", "44.39.2", StringComparison.Ordinal);

        var (incremental, whole) = Both(Renovate, after);

        Assert.Equal([nameof(UnpinnedImageCheck)], Ran(incremental));
        Assert.Equal(Texts(whole.Issues), Texts(incremental.Issues));
        Assert.Empty(Introduced(Renovate, after));
    }

    [Fact]
    public void A_pin_bump_of_an_unnamed_step_runs_the_checks_that_read_actions_and_labels()
    {
        var after = Renovate.Replace("- uses: actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0", "- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", StringComparison.Ordinal);

        var (incremental, whole) = Both(Renovate, after);

        // The step has no code, caches nothing and publishes nothing: the checks that name steps only for those skip it.
        Assert.Equal([nameof(SecretsExfiltrationCheck), nameof(UntrustedCheckoutCheck), nameof(UnpinnedActionCheck), nameof(ArtipackedCheck)], Ran(incremental));
        Assert.Equal(Texts(whole.Issues), Texts(incremental.Issues));
        // The step is labelled by its action, so its label moved: the comparison of steps sees it, as on a whole parse.
        var moved = Assert.Single(Introduced(Renovate, after));
        Assert.Equal((StepsChangedCheck.Rule, 11, "lint"), (moved.Rule, moved.Line, moved.Job));
    }

    [Fact]
    public void A_debug_variable_turned_on_by_a_value_change_is_reported_as_a_whole_parse_reports_it()
    {
        var before = Renovate.Replace("  RENOVATE_VERSION: 44.39.1", "  ACTIONS_STEP_DEBUG: false\n  RENOVATE_VERSION: 44.39.1", StringComparison.Ordinal);
        var after = before.Replace("ACTIONS_STEP_DEBUG: false", "ACTIONS_STEP_DEBUG: true", StringComparison.Ordinal);

        var (incremental, whole) = Both(before, after);

        Assert.Equal([nameof(DebugLoggingCheck)], Ran(incremental));
        Assert.Equal(Texts(whole.Issues), Texts(incremental.Issues));
        var issue = Assert.Single(Introduced(before, after));
        Assert.Equal((DebugLoggingCheck.Rule, 5, "ACTIONS_STEP_DEBUG is set to true for the whole pipeline"), (issue.Rule, issue.Line, issue.Title));
    }

    [Fact]
    public void A_value_inside_the_block_of_an_if_condition_reruns_the_condition_checks()
    {
        // A hostile layout: the if: is text inside a quoted scalar of a flow mapping, and the condition read from the text takes in
        // the next entry's line, whose value the change replaces.
        const string Before = """
            on: push
            env: {
              A: "a
               if: |
                 ${{ github.actor }}
                ",
                 B: v1
              }
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: make
            """;
        var after = Before.Replace("B: v1", "B: v2", StringComparison.Ordinal);

        var (incremental, whole) = Both(Before, after);

        Assert.Contains(nameof(UnsoundConditionCheck), Ran(incremental));
        Assert.Equal(Texts(whole.Issues), Texts(incremental.Issues));
        Assert.Contains(whole.Issues, i => i.Rule == UnsoundConditionCheck.Rule && i.Key.Contains("B: v2", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_one_value_change_of_every_corpus_definition_finds_what_a_whole_parse_finds()
    {
        // Each plain `KEY: VALUE` line of each corpus workflow changed alone, to a value the checks care about in turn (a debug
        // switch, a permission, a secret's name, an action, an image, a publishing action) or to a bumped version.
        string[] values = ["true", "write", "write-all", "secrets.TOKEN", "actions/checkout@v4", "docker://alpine:3", "pypa/gh-action-pypi-publish@v1", "false", "release", "ubuntu-latest", "actions/upload-artifact@v4", "actions/cache@v4", "softprops/action-gh-release@v2", "actions/setup-node@v4", "."];
        var (derived, skipped, edits) = (0, 0, 0);
        foreach (var (path, text) in Corpus.Workflows())
        {
            var platform = CiDefinitionParser.Classify(path) ?? CiDefinitionParser.ClassifyByContent(path, text);
            if (platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)) continue;
            var lines = CiDefinitionParser.Lines(text);
            for (var i = 0; i < lines.Length; i++)
            {
                if (PlainValue().Match(lines[i]) is not { Success: true } m) continue;
                foreach (var value in (string[])[m.Groups["value"].Value + "9", values[(edits + i) % values.Length]])
                {
                    if (value == m.Groups["value"].Value) continue;
                    edits++;
                    var edited = string.Join('\n', lines.Select((l, n) => n == i ? m.Groups["lead"].Value + value + m.Groups["rest"].Value : l));
                    if (Derived(path, text, edited, platform.Value) is not { } both) continue;
                    derived++;
                    skipped += PipelineTamperingDetector.Checks.Length - both.Incremental.Ran.Count;
                    Assert.True(Texts(both.Whole.Issues).SequenceEqual(Texts(both.Incremental.Issues)), $"{path}:{i + 1} -> {value}: the checks differ");
                }
            }
        }

        output.WriteLine($"{edits} edits, {derived} derived, {skipped} check runs skipped");
        // Many plain lines hold values the model reads otherwise (names, runner labels, triggers: parsed, not derived) or not
        // at all; a quarter at least are ones a derivation replaces. Most checks cannot see most of those.
        Assert.True(derived > edits / 4, $"only {derived} of {edits} derived");
        Assert.True(skipped > derived * PipelineTamperingDetector.Checks.Length / 2, $"only {skipped} check runs skipped of {derived * PipelineTamperingDetector.Checks.Length}");
    }

    [Fact]
    public void A_history_of_bumps_through_the_detector_reports_what_the_whole_way_reports()
    {
        // Each version derived from the last: the detector's findings must be those of every check run on whole parses.
        var bench = new CommitBench();
        var detector = new PipelineTamperingDetector(new PipelineTamperingOptions { Level = PipelineTamperingOptions.Pedantic });
        var versions = new[]
        {
            Renovate,
            Renovate.Replace("44.39.1", "44.39.2", StringComparison.Ordinal),
            Renovate.Replace("44.39.1", "44.39.2", StringComparison.Ordinal).Replace("persist-credentials: false\n      - name: Lint", "persist-credentials: true\n      - name: Lint", StringComparison.Ordinal),
            Renovate.Replace("44.39.1", "44.40.0", StringComparison.Ordinal).Replace("d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0", "v7", StringComparison.Ordinal),
        };
        var pins = new ActionPins();
        CiDefinition? previous = null;
        var expected = new List<string>();
        foreach (var version in versions)
        {
            bench.Run(detector, bench.Commit(CommitBench.Person("renovate[bot]", DateTimeOffset.UnixEpoch), (Path, version)));
            var parsed = Parse(version);
            expected.AddRange(PipelineTamperingDetector.Inspect(previous, parsed, pins, pedantic: true).Select(i => $"{i.Rule}|{i.Line}|{i.Title}"));
            previous = parsed;
        }

        Assert.Equal(expected, bench.Findings.Select(f => $"{f.Rule}|{f.Location.Line}|{f.Title}"));
        Assert.Contains(bench.Findings, f => f.Rule == ArtipackedCheck.Rule && f.Location.Line == 11);
        Assert.Contains(bench.Findings, f => f.Rule == UnpinnedActionCheck.Rule);
    }

    // The checks run the incremental way on `after` derived from `before`, and the whole way on a parse of `after`; they must agree check by check.
    private static (CheckedVersion Incremental, CheckedVersion Whole) Both(string before, string after)
    {
        var both = Derived(Path, before, after, CiPlatform.GitHubWorkflow);
        Assert.NotNull(both);
        return both.Value;
    }

    private static (CheckedVersion Incremental, CheckedVersion Whole)? Derived(string path, string before, string after, CiPlatform platform)
    {
        var cache = new CiDefinitionCache();
        var old = cache.Parse(path, "old", before, platform);
        var now = old is null ? null : cache.Parse(path, "new", after, platform, previous: old);
        if (old is null || now is null || cache.EditFrom(old, now) is not { } edit) return null;
        var checkedOld = CheckedVersion.Whole(old, PipelineTamperingDetector.Checks);
        var incremental = CheckedVersion.Derive(now, checkedOld, new DerivedChange(edit, checkedOld.ConditionLines), PipelineTamperingDetector.Checks);
        var parsed = CiDefinitionParser.Parse(path, after, platform, out var error) ?? throw new InvalidOperationException(error);
        var whole = CheckedVersion.Whole(parsed, PipelineTamperingDetector.Checks);
        for (var i = 0; i < PipelineTamperingDetector.Checks.Length; i++)
        {
            Assert.True(Texts(whole.ByCheck[i]).SequenceEqual(Texts(incremental.ByCheck[i])), $"{PipelineTamperingDetector.Checks[i].GetType().Name} differs");
        }

        Assert.Equal(Conditions.LinesOf(parsed).Order(), incremental.ConditionLines.Order());
        // And the change's comparisons: those that cannot see it find nothing.
        var change = new DerivedChange(edit, checkedOld.ConditionLines);
        Assert.Equal(
            Texts(PipelineTamperingDetector.Inspect(old, parsed, new ActionPins(), pedantic: true)),
            Texts(PipelineTamperingDetector.Inspect(old, now, new ActionPins(), pedantic: true, d => ReferenceEquals(d, old) ? checkedOld.Issues : incremental.Issues, change)));
        return (incremental, whole);
    }

    private static IReadOnlyList<WorkflowIssue> Introduced(string before, string after) =>
        PipelineTamperingDetector.Inspect(Parse(before), Parse(after), new ActionPins(), pedantic: true);

    private static string[] Ran(CheckedVersion version) =>
        [.. version.Ran.Select(i => PipelineTamperingDetector.Checks[i].GetType().Name)];

    private static CiDefinition Parse(string text) => CiDefinitionParser.Parse(Path, text, CiPlatform.GitHubWorkflow, out var error) ?? throw new InvalidOperationException(error);

    private static IEnumerable<string> Texts(IEnumerable<WorkflowIssue> issues) => issues.Select(i => i.ToString());

    [GeneratedRegex(@"^(?<lead> *(?:- +)?[A-Za-z0-9_][A-Za-z0-9_.-]*: +)(?<value>[A-Za-z0-9_./][A-Za-z0-9_./@+-]*(?::[A-Za-z0-9_./@+-]+)*)(?<rest>(?: +#[^\r\n]*)? *)$")]
    private static partial Regex PlainValue();
}
