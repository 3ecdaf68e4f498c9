using System.Text.Json;
using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.Workflows;

/// <summary>A version whose change only replaced one-line values (a bot's bump) is derived from the previous model, equal to a whole parse; any other change is parsed.</summary>
public sealed partial class ValueChangeTests(ITestOutputHelper output)
{
    private const string Workflow = """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v3 # v3.5.0
              - name: actions/setup-node@v3
                uses: actions/setup-node@v3
                with:
                  node-version: 20
              - run: npm test
        """;

    [Fact]
    public void A_pin_bump_moves_the_reference_and_the_label_of_an_unnamed_step_only()
    {
        var after = Workflow
            .Replace("actions/checkout@v3 # v3.5.0", "actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # v3.5.3", StringComparison.Ordinal)
            .Replace("uses: actions/setup-node@v3", "uses: actions/setup-node@v4", StringComparison.Ordinal);

        var derived = Derive(Workflow, after);

        Assert.NotNull(derived);
        Assert.Equal(
            [("actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab", "actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab", 6), ("actions/setup-node@v4", "actions/setup-node@v3", 8)],
            derived.Steps.Where(s => s.Uses is not null).Select(s => (s.Uses!.Value, s.Label, s.Uses.Line)));
        Assert.Equal(Model(Parse(after)), Model(derived));
    }

    [Fact]
    public void A_version_bump_in_env_an_input_and_an_image_tag_is_derived_as_a_parse_reads_it()
    {
        const string Bot = """
            on: push
            env:
              RENOVATE_VERSION: 44.39.1 # renovate: datasource=docker
            jobs:
              release:
                runs-on: ubuntu-latest
                container:
                  image: ghcr.io/renovatebot/renovate:44.39.1@sha256:00699dedb6d44bf645e3f0a98729bcdb660a660f1952a53d9592d3a127088b11
                steps:
                  - uses: actions/setup-node@v4
                    with:
                      node-version: 20
            """;
        var after = Bot.Replace("44.39.1", "44.39.2", StringComparison.Ordinal).Replace("node-version: 20", "node-version: 22.1", StringComparison.Ordinal);

        var derived = Derive(Bot, after);

        Assert.NotNull(derived);
        Assert.Equal(("44.39.2", 3), (derived.Env["RENOVATE_VERSION"].Value, derived.Env["RENOVATE_VERSION"].Line));
        Assert.Equal("ghcr.io/renovatebot/renovate:44.39.2@sha256:00699dedb6d44bf645e3f0a98729bcdb660a660f1952a53d9592d3a127088b11", Assert.Single(derived.Jobs[0].Images).Value);
        Assert.Equal("22.1", derived.Steps.Single().With["node-version"].Value);
        Assert.Equal(Model(Parse(after)), Model(derived));
    }

    [Theory]
    [InlineData("node-version: 20", "node: 20")]
    [InlineData("runs-on: ubuntu-latest", "runs-on: ubuntu-24.04")]
    [InlineData("- run: npm test", "- run: npm ci")]
    [InlineData("node-version: 20", "node-version: '20'")]
    [InlineData("node-version: 20", "node-version: 20:")]
    [InlineData("- uses: actions/checkout@v3 # v3.5.0", "- uses: \"actions/checkout@v4\"")]
    [InlineData("- uses: actions/checkout@v3 # v3.5.0", "- uses: actions/checkout@v4\n      - run: echo")]
    [InlineData("- uses: actions/checkout@v3 # v3.5.0", "-   uses: actions/checkout@v4")]
    [InlineData("- uses: actions/checkout@v3 # v3.5.0", "- uses: *checkout")]
    [InlineData("- uses: actions/checkout@v3 # v3.5.0", "- uses: actions/checkout@v4 # v4\u0001")]
    [InlineData("- uses: actions/checkout@v3 # v3.5.0", "- uses: actions/checkout@v4 # v4\uFEFF")]
    public void A_change_to_anything_but_a_plain_value_read_as_it_is_is_not_derived(string from, string to)
    {
        Assert.Null(Derive(Workflow, Workflow.Replace(from, to, StringComparison.Ordinal)));
    }

    [Fact]
    public void A_matrix_value_is_not_derived()
    {
        var before = Workflow.Replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        node: 20", StringComparison.Ordinal);

        Assert.Null(Derive(before, before.Replace("node: 20", "node: 22", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_step_shared_through_an_alias_is_not_derived()
    {
        const string Shared = """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - &checkout
                    uses: actions/checkout@v3
              b:
                runs-on: ubuntu-latest
                steps:
                  - *checkout
            """;

        Assert.Null(Derive(Shared, Shared.Replace("checkout@v3", "checkout@v4", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_pin_bump_of_every_corpus_definition_derives_what_a_parse_gives()
    {
        var derived = 0;
        var bumps = 0;
        foreach (var (path, text) in Corpus.Workflows())
        {
            if ((CiDefinitionParser.Classify(path) ?? CiDefinitionParser.ClassifyByContent(path, text)) is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)
                || CiDefinitionParser.Parse(path, text, CiPlatform.GitHubWorkflow, out _) is null)
            {
                continue;
            }

            // Every action pin moved, and separately every version-like value (an env version, an input, a permission-free number).
            foreach (var bumped in (string[])[
                UsesLine().Replace(text, m => $"{m.Groups["lead"].Value}{m.Groups["action"].Value}@0123456789abcdef0123456789abcdef01234567 # v9.9.9"),
                VersionLine().Replace(text, m => m.Groups["lead"].Value + "99.9.9")])
            {
                if (bumped == text) continue;
                bumps++;
                if (Derive(text, bumped, path) is not { } model) continue;
                derived++;
                var parsed = Parse(bumped, path);
                Assert.True(Model(parsed) == Model(model), $"{path}: the derived model differs from the parsed one");
                var before = Parse(text, path);
                Assert.Equal(Issues(before, parsed), Issues(before, model));
            }
        }

        output.WriteLine($"{derived} of {bumps} bumped corpus definitions derived");
        // Most corpus files are pinned the plain way a bot bumps; a parse fallback for all of them would make this test vacuous.
        Assert.True(derived > bumps / 2, $"only {derived} of {bumps} derived");
    }

    [Fact]
    public void The_cache_derives_from_the_previous_version_with_the_same_model_and_labels_as_a_parse()
    {
        var cache = new CiDefinitionCache();
        var path = ".github/workflows/build.yml";
        var v1 = cache.Parse(path, "blob1", Workflow, CiPlatform.GitHubWorkflow);
        var text2 = Workflow.Replace("checkout@v3", "checkout@v4", StringComparison.Ordinal);
        var v2 = cache.Parse(path, "blob2", text2, CiPlatform.GitHubWorkflow, previous: v1);
        var text3 = text2.Replace("checkout@v4", "checkout@v5", StringComparison.Ordinal);
        var v3 = cache.Parse(path, "blob3", text3, CiPlatform.GitHubWorkflow, previous: v2);

        Assert.Equal(Model(Parse(text2)), Model(v2!));
        Assert.Equal(Model(Parse(text3)), Model(v3!));
        Assert.Equal("actions/checkout@v5", v3!.Steps.First().Label);
    }

    [Fact]
    public void Steps_and_jobs_the_change_does_not_reach_stay_the_same_objects_and_the_edit_lists_what_it_replaced()
    {
        var cache = new CiDefinitionCache();
        var twoJobs = Workflow + "\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make lint\n";
        var v1 = cache.Parse(".github/workflows/build.yml", "blob1", twoJobs, CiPlatform.GitHubWorkflow)!;
        var v2 = cache.Parse(".github/workflows/build.yml", "blob2", twoJobs.Replace("checkout@v3", "checkout@v4", StringComparison.Ordinal), CiPlatform.GitHubWorkflow, previous: v1)!;

        Assert.NotSame(v1.Jobs[0].Steps[0], v2.Jobs[0].Steps[0]);
        Assert.Same(v1.Jobs[0].Steps[1], v2.Jobs[0].Steps[1]);
        Assert.Same(v1.Jobs[0].Steps[2], v2.Jobs[0].Steps[2]);
        Assert.Same(v1.Jobs[1], v2.Jobs[1]);
        var edit = cache.EditFrom(v1, v2)!;
        Assert.Equal([(EditedPart.StepUses, "actions/checkout@v3", "actions/checkout@v4"), (EditedPart.StepLabel, "actions/checkout@v3", "actions/checkout@v4")], edit.Values.Select(v => (v.Part, v.Old, v.New)));
        Assert.Equal([6], edit.Lines.Select(l => l.Number));
        Assert.Null(cache.EditFrom(v2, v1));
    }

    [Theory]
    [InlineData("a\nb\nc", "a\nB\nc")]
    [InlineData("a\nb\nc\n", "a\nb\nc\n")]
    [InlineData("a\nb\nc\n", "a\nb\nc")]
    [InlineData("a\nb\nc", "a\nb\nc\nd")]
    [InlineData("", "")]
    [InlineData("", "x")]
    [InlineData("\n\n", "\nx\n")]
    [InlineData("a\r\nb\r\nc", "a\r\nB\r\nc")]
    [InlineData("a\nb\nc", "a\r\nb\r\nc")]
    [InlineData("a\nb\nc", "a\rb\nc\n")]
    [InlineData("a\rb\nc", "a\rb\nc")]
    [InlineData("uses: x@v1\n  # \u2028 comment\n", "uses: x@v2\n  # \u2028 comment\n")]
    public void Splitting_a_next_version_like_the_previous_gives_its_lines_reusing_the_unchanged_ones(string previousText, string text)
    {
        var previous = CiDefinitionParser.Lines(previousText);
        var expected = CiDefinitionParser.Lines(text);
        var changed = new List<int>();

        var lines = CiDefinitionParser.LinesLike(text, previous, changed);

        if (expected.Length != previous.Length)
        {
            Assert.Null(lines);
            Assert.Empty(changed);
            return;
        }

        Assert.Equal(expected, lines);
        Assert.Equal(Enumerable.Range(0, expected.Length).Where(i => expected[i] != previous[i]), changed);
        for (var i = 0; i < lines!.Length; i++)
        {
            if (!changed.Contains(i)) Assert.Same(previous[i], lines[i]);
        }
    }

    [Fact]
    public void A_bump_of_a_definition_with_crlf_line_ends_is_derived_as_a_parse_reads_it()
    {
        var crlf = Workflow.Replace("\n", "\r\n", StringComparison.Ordinal);
        var after = crlf.Replace("checkout@v3 # v3.5.0", "checkout@v4 # v4.0.0", StringComparison.Ordinal);

        var derived = Derive(crlf, after);

        Assert.NotNull(derived);
        Assert.Equal(Model(Parse(after)), Model(derived));
        // One line end turned into CRLF: the lines are split the same (CRLF read as LF), so the bump is derived as a parse reads it.
        var mixed = Workflow.Replace("checkout@v3 # v3.5.0\n", "checkout@v4 # v4.0.0\r\n", StringComparison.Ordinal);
        Assert.Equal(Model(Parse(mixed)), Model(Derive(Workflow, mixed)!));
    }

    [Fact]
    public void Hostile_definitions_derive_only_what_a_parse_gives()
    {
        // Anchors and merge keys, odd quoting and deep nesting around a bumped pin: each either derived equal to a parse (Derive
        // asserts both ways agree) or parsed.
        const string Hostile = """
            on: push
            x-defaults: &defaults
              runs-on: ubuntu-latest
              env: {A: "1", 'B': '2'}
            jobs:
              build:
                <<: *defaults
                steps:
                  - uses: actions/checkout@v3
                  - name: "quoted: name # not a comment"
                    run: 'echo "${{ github.event.issue.title }}"'
                  - name: deep
                    with:
                      a: {b: {c: {d: {e: [[[[[[[[1]]]]]]]]}}}}
                    uses: actions/setup-node@v3
                  - uses: ./local
                    env:
                      KEY: &k value
                      OTHER: *k
            """;
        var bumps = new[]
        {
            ("actions/checkout@v3", "actions/checkout@v4"),
            ("actions/setup-node@v3", "actions/setup-node@v4"),
            ("KEY: &k value", "KEY: &k other"),
            ("OTHER: *k", "OTHER: k2"),
            ("runs-on: ubuntu-latest", "runs-on: ubuntu-24.04"),
            ("- uses: ./local", "- uses: ./elsewhere"),
        };
        var derived = 0;
        foreach (var (from, to) in bumps)
        {
            var after = Hostile.Replace(from, to, StringComparison.Ordinal);
            if (Derive(Hostile, after) is not { } model) continue;
            derived++;
            Assert.Equal(Model(Parse(after)), Model(model));
        }

        // The three `uses:` of steps read as they are written (two pins, a local action) are derived; the anchored and the aliased
        // env value and the runner merged in through `<<:` are not.
        Assert.Equal(3, derived);
    }

    [Fact]
    public void The_insecure_commands_prefilter_ignores_case_wherever_the_regex_does()
    {
        // The check's regex is (?i): each letter of the variable must match, ignoring case, exactly the characters that ordinal
        // case-insensitive comparison equates with it, or the prefilter could skip a line the regex would report.
        foreach (var letter in InsecureCommandsCheck.Variable.Distinct())
        {
            var regex = new Regex("(?i)^" + Regex.Escape(letter.ToString()) + "$", RegexOptions.CultureInvariant);
            for (var c = char.MinValue; c < char.MaxValue; c++)
            {
                if (regex.IsMatch(c.ToString())) Assert.True(InsecureCommandsCheck.MayEnable(InsecureCommandsCheck.Variable.Replace(letter, c)), $"'{letter}' ~ U+{(int)c:X4}");
            }
        }

        Assert.False(InsecureCommandsCheck.MayEnable("env: { ACTIONS_ALLOW_COMMANDS: true }"));
    }

    private static CiDefinition? Derive(string before, string after, string path = ".github/workflows/build.yml")
    {
        var labelled = new HashSet<CiStep>(ReferenceEqualityComparer.Instance);
        var model = CiDefinitionParser.Parse(path, before, CiPlatform.GitHubWorkflow, out var error, alwaysMerge: false, labelled);
        if (model is null) Assert.Fail(error);
        var newLabelled = new HashSet<CiStep>(ReferenceEqualityComparer.Instance);
        var derived = ValueChange.Apply(model, labelled, CiDefinitionParser.Lines(after), newLabelled, out var edit);

        // The scan's way (the text split only where it differs, the value counts of the model it was parsed as) derives exactly
        // the same, or nothing when this does not.
        var fromTextLabelled = new HashSet<CiStep>(ReferenceEqualityComparer.Instance);
        var fromText = ValueChange.Apply(model, labelled, ValueLines.Of(model), after, fromTextLabelled, out var textEdit);
        Assert.Equal(derived is null, fromText is null);
        if (derived is null) return null;
        Assert.Equal(Model(derived), Model(fromText!));
        Assert.Equal(derived.Lines, fromText!.Lines);
        Assert.Equal(edit!.Lines, textEdit!.Lines);
        Assert.Equal(edit.Values, textEdit.Values);
        Assert.Equal(derived.Steps.Select(newLabelled.Contains), fromText.Steps.Select(fromTextLabelled.Contains));
        // The value counts by line carried over to the derived model (the cache derives the next version with them) are its own.
        Assert.Equal(ValueChange.Values(model).Select(v => v.Line), ValueChange.Values(derived).Select(v => v.Line));

        // The steps labelled by their action are the same ones a parse finds.
        var parsedLabelled = new HashSet<CiStep>(ReferenceEqualityComparer.Instance);
        var parsed = CiDefinitionParser.Parse(path, after, CiPlatform.GitHubWorkflow, out _, alwaysMerge: false, parsedLabelled)!;
        Assert.Equal(parsed.Steps.Select(parsedLabelled.Contains), derived.Steps.Select(newLabelled.Contains));
        return derived;
    }

    private static CiDefinition Parse(string text, string path = ".github/workflows/build.yml")
    {
        var definition = CiDefinitionParser.Parse(path, text, CiPlatform.GitHubWorkflow, out var error);
        if (definition is null) Assert.Fail(error);
        return definition;
    }

    private static string Model(CiDefinition definition) => JsonSerializer.Serialize(definition);

    private static string[] Issues(CiDefinition before, CiDefinition after) =>
        [.. PipelineTamperingDetector.Inspect(before, after, new ActionPins(), pedantic: true).Select(i => i.ToString())];

    // A step's `uses: owner/repo@ref` the way Renovate writes it, with an optional version comment.
    [GeneratedRegex(@"^(?<lead> *(?:- +)?uses: +)(?<action>[A-Za-z0-9_.][A-Za-z0-9_./-]*)@[A-Za-z0-9_./-]+(?: +#[^\r\n]*)?(?=\r?$)", RegexOptions.Multiline)]
    private static partial Regex UsesLine();

    // `KEY: 1.2.3`: a version-like value, with an optional comment.
    [GeneratedRegex(@"^(?<lead> *(?:- +)?[A-Za-z0-9_-]+: +)\d+(?:\.\d+)*(?= *(?:#[^\r\n]*)?\r?$)", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
