using PipeWatch.Configuration;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Engine;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The offline workflow-weakness checks over zizmor's real test workflows, step by step: each step or job named as vulnerable is flagged, each named as safe is not.</summary>
public sealed class WorkflowWeaknessChecksTests
{
    [Theory]
    [InlineData("bot-conditions.yml", "bot-conditions", "hackme vulnerable-1 vulnerable-2 vulnerable-3 vulnerable-5 vulnerable-6 vulnerable-7 vulnerable-8 vulnerable-9 vulnerable-10 vulnerable-11")]
    [InlineData("unsound-contains.yml", "unsound-contains", "vulnerable-1 vulnerable-2 vulnerable-3")]
    [InlineData("unsound-condition.yml", "unsound-condition", "4-not-ok 5-not-ok 9-not-ok 10-not-ok 11-not-ok 12-not-ok 13-not-ok 14-not-ok 15-not-ok")]
    [InlineData("insecure-commands/issue-839-repro.yml", "insecure-commands", "some-dangerous-job env-via-matrix")]
    [InlineData("use-trusted-publishing/cargo-publish.yml", "use-trusted-publishing", "vulnerable-1 vulnerable-2 vulnerable-3")]
    [InlineData("use-trusted-publishing/bun-publish.yml", "use-trusted-publishing", "vulnerable-1 vulnerable-2 vulnerable-3 vulnerable-4")]
    [InlineData("cache-poisoning/issue-1081-repro.yml", "cache-poisoning", "issue-1081-true-positive")]
    [InlineData("cache-poisoning/issue-1152-repro.yml", "cache-poisoning", "true-positive-default true-positive-explicit", "user-repro-case-1")]
    public void Exactly_the_steps_named_vulnerable_are_flagged(string file, string check, string expected, string unlabelled = "")
    {
        var path = Corpus.File(["workflows", "zizmor", .. file.Split('/')]);
        var lines = File.ReadAllLines(path);

        var issues = WorkflowCorpusRecallTests.Analyse(["zizmor", .. file.Split('/')]).Where(i => i.Rule == Scripts.Rule(check));

        var flagged = issues.Select(i => NameAt(lines, i.Line)).Distinct().Where(n => !unlabelled.Split(' ').Contains(n)).Order(StringComparer.Ordinal);
        Assert.Equal(expected.Split(' ').Order(StringComparer.Ordinal), flagged);
    }

    [Fact]
    public void Checkout_whose_workspace_is_uploaded_is_high_at_the_default_level_and_a_bare_checkout_only_pedantic()
    {
        const string Workflow = """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
                  - run: make
                  - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02
                    with:
                      path: .
              safe:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
                    with:
                      persist-credentials: false
                  - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02
              hygiene:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
            """;
        var definition = CiDefinitionParser.Parse("ci.yml", Workflow, CiPlatform.GitHubWorkflow, out _)!;

        var regular = PipelineTamperingDetector.Inspect(null, definition, new ActionPins()).Where(i => i.Rule == ArtipackedCheck.Rule).ToList();
        var pedantic = PipelineTamperingDetector.Inspect(null, definition, new ActionPins(), pedantic: true).Where(i => i.Rule == ArtipackedCheck.Rule).ToList();

        var high = Assert.Single(regular);
        Assert.Equal((6, "build", PipeWatch.Findings.Severity.High), (high.Line, high.Job, high.Severity));
        Assert.Equal(["build|6", "hygiene|21"], pedantic.Select(i => $"{i.Job}|{i.Line}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_pedantic_level_set_in_pipewatch_yml_reports_hygiene_in_a_scan_and_the_default_does_not()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File(".github/workflows"));
        File.WriteAllText(folder.File(".github/workflows/ci.yml"), """
            on: push
            permissions:
              contents: read
            jobs:
              test:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
                  - run: make test
            """);
        var pedantic = ConfigLoader.Parse("detectors:\n  code-change.pipeline-tampering:\n    level: pedantic\n", "pipewatch.yml");

        var regular = await Scan.RunAsync(folder.Path, folder: true);
        var hygiene = await Scan.RunAsync(folder.Path, config: pedantic, folder: true);

        Assert.Empty(regular.Findings);
        var finding = Assert.Single(hygiene.Findings);
        Assert.Equal((ArtipackedCheck.Rule, PipeWatch.Findings.Severity.Low), (finding.Rule, finding.Severity));
        Assert.Empty(hygiene.Problems);
    }

    [Fact]
    public void A_level_other_than_regular_or_pedantic_is_refused_naming_the_choices()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("detectors:\n  code-change.pipeline-tampering:\n    level: paranoid\n", "pipewatch.yml"));

        Assert.Equal(["pipewatch.yml:3: detectors.code-change.pipeline-tampering.level: expected one of regular, pedantic, got 'paranoid'"], error.Problems);
    }

    [Fact]
    public void A_dependabot_bump_of_a_caching_step_in_a_release_workflow_keeps_the_weakness_the_file_had_and_adds_none()
    {
        // click's publish.yaml: setup-python with cache: pip in a tag-triggered build, then "Bump actions/setup-python from 4.4.0 to 4.5.0".
        static CiDefinition Publish(string sha) => CiDefinitionParser.Parse("publish.yaml", $$"""
            name: Publish
            on:
              push:
                tags:
                  - '*'
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@ac593985615ec2ede58e132d2e21d2b1cbd6127c
                  - uses: actions/setup-python@{{sha}}
                    with:
                      python-version: '3.x'
                      cache: 'pip'
                  - run: python -m build
            """, CiPlatform.GitHubWorkflow, out _)!;
        var before = Publish("5ccb29d8773c3f3f653e1705f474dfaa8a06a912");
        var after = Publish("d27e3f3d7c64b4bbf8e4abfb9b63b83e846e0435");

        var introduced = Assert.Single(PipelineTamperingDetector.Inspect(null, before, new ActionPins()), i => i.Rule == CachePoisoningCheck.Rule);
        Assert.Equal((11, "build"), (introduced.Line, introduced.Job));
        Assert.DoesNotContain(PipelineTamperingDetector.Inspect(before, after, new ActionPins()), i => i.Rule == CachePoisoningCheck.Rule);
    }

    [Fact]
    public void An_ordinary_workflow_raises_none_of_the_weakness_checks()
    {
        const string Workflow = """
            on:
              push:
                branches: [main]
              pull_request:
            permissions:
              contents: read
            jobs:
              test:
                if: github.event.pull_request.user.login == 'dependabot[bot]' || github.ref == 'refs/heads/main'
                runs-on: ubuntu-latest
                container:
                  image: ghcr.io/example/ci:1@sha256:0f5f1a4bb6a3e1c4a2a1d1f0a3a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5
                  credentials:
                    username: ${{ github.actor }}
                    password: ${{ secrets.GITHUB_TOKEN }}
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
                    with:
                      persist-credentials: false
                  - uses: actions/setup-node@395ad3262231945c25e8478fd5baf05154b1d79f
                    with:
                      cache: npm
                  - if: ${{ contains(fromJSON('["main","develop"]'), github.ref_name) }}
                    run: npm ci && npm test
                    env:
                      ACTIONS_ALLOW_UNSECURE_COMMANDS: false
                      TOKEN: ${{ secrets.NPM_TOKEN }}
            """;
        var definition = CiDefinitionParser.Parse("ci.yml", Workflow, CiPlatform.GitHubWorkflow, out _)!;

        var issues = PipelineTamperingDetector.Inspect(null, definition, new ActionPins(), pedantic: true);

        string[] weaknesses = ["insecure-commands", "hardcoded-container-credentials", "unredacted-secrets", "bot-conditions", "unsound-contains",
            "unsound-condition", "artipacked", "cache-poisoning", "use-trusted-publishing"];
        Assert.DoesNotContain(issues, i => weaknesses.Select(Scripts.Rule).Contains(i.Rule));
    }

    [Fact]
    public void A_step_output_written_from_a_pull_request_title_and_expanded_into_run_is_template_injection()
    {
        const string Workflow = """
            on: pull_request_target
            jobs:
              triage:
                runs-on: ubuntu-latest
                steps:
                  - id: meta
                    run: |
                      echo "title=${{ github.event.pull_request.title }}" >> "$GITHUB_OUTPUT"
                      echo "number=${{ github.event.pull_request.number }}" >> "$GITHUB_OUTPUT"
                  - run: echo "${{ steps.meta.outputs.title }}"
                  - run: echo "${{ steps.meta.outputs.number }}"
            """;
        var definition = CiDefinitionParser.Parse("triage.yml", Workflow, CiPlatform.GitHubWorkflow, out _)!;

        var issues = PipelineTamperingDetector.Inspect(null, definition, new ActionPins()).Where(i => i.Rule == TemplateInjectionCheck.Rule).ToList();

        Assert.Equal([8, 10], issues.Select(i => i.Line).Order());
        Assert.Contains(issues, i => i.Line == 10 && i.Explanation.Contains("steps.meta.outputs.title, which an earlier step writes from github.event.pull_request.title", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ci/build.yml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n", CiPlatform.GitHubWorkflow)]
    [InlineData("actions/setup/action.yaml", "name: setup\ndescription: d\nruns:\n  using: composite\n  steps: []\n", CiPlatform.GitHubAction)]
    [InlineData("deploy/pipeline.yml", "stages: [build]\nbuild:\n  stage: build\n  script:\n    - make\n", CiPlatform.GitLabCi)]
    [InlineData("k8s/deployment.yml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n", null)]
    [InlineData("docker-compose.yml", "services:\n  web:\n    image: nginx\n", null)]
    public void A_definition_outside_its_usual_path_is_recognised_by_its_content(string path, string text, CiPlatform? platform) =>
        Assert.Equal(platform, CiDefinitionParser.ClassifyByContent(path, text));

    // The name of the step or job a line belongs to: the nearest '- name:' (or job 'name:') at or above it.
    private static string NameAt(string[] lines, int line)
    {
        for (var i = line - 1; i >= 0; i--)
        {
            var t = lines[i].Trim();
            if (t.StartsWith("- name:", StringComparison.Ordinal)) return t[7..].Trim().Trim('"');
            if (t.StartsWith("name:", StringComparison.Ordinal) && lines[i].Length - lines[i].TrimStart().Length == 4) return t[5..].Trim().Trim('"');
        }

        return "?";
    }
}
