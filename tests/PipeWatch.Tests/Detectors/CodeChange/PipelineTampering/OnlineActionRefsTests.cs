using System.Text.Json;
using System.Text.RegularExpressions;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;

/// <summary>
/// <c>scan --online</c>: the workflow checks that ask GitHub's REST API (impostor commits, ref confusion, version comments, stale SHAs),
/// against a loopback stand-in answering the documented endpoints with GitHub's JSON shapes; and <c>--persona</c>.
/// </summary>
public sealed partial class OnlineActionRefsTests : IDisposable
{
    internal const string Token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
    internal const string Released = "8f4b7f84864484a7bf31766abe9204da3cbe65b3";   // tags v1.0.0 and v1
    private const string Unreleased = "b4ffde65f46336ab88eb53be808477a3936bae11"; // on main, no tag
    internal const string Moved = "0ad4b8fadaa221de15dcec353f45205ec38ea70b";      // on main, labelled v1.0.0 in the workflow
    internal const string Impostor = "c0ffee254729296a45a3885639ac7e4a7e1e0c37";   // a fork's commit: on no branch or tag
    private const string MainHead = "6dcd4ce23d88e2ee9568ba546c007c63d9131c1b";
    private const string ReleaseHead = "9fceb02d0ae598e95dc970b74767f19372d61af8";

    internal const string Workflow = $$"""
        name: release
        on: push
        permissions:
          contents: read
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: acme/setup@{{Impostor}}  # v1.0.0
              - uses: acme/setup@{{Moved}}  # v1.0.0
              - uses: acme/setup@release
              - uses: acme/setup@{{Released}}  # v1.0.0
              - uses: acme/setup/sub@{{Unreleased}}
              - uses: acme/setup@v1
              - uses: ./local-action
              - run: make
        """;

    private readonly TempFolder _folder = new();
    private readonly List<string> _unexpected = [];

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Each_class_is_found_on_its_line_with_the_documented_requests()
    {
        await using var github = new LoopbackHttpServer(r => Answer(r, _unexpected));
        var result = await ScanAsync(github, Workflow, "--online");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                ("pipeline-tampering.impostor-commit", 9, "high", $"acme/setup@{Impostor[..12]} is not a commit of any branch or tag of acme/setup"),
                ("pipeline-tampering.ref-version-mismatch", 10, "medium", $"acme/setup@{Moved[..12]} is labelled v1.0.0, but v1.0.0 is {Released[..12]}"),
                ("pipeline-tampering.ref-confusion", 11, "medium", "acme/setup@release names both a branch and a tag of acme/setup"),
            ],
            Online(result));
        AssertDocumented(github);
        Assert.Empty(_unexpected);

        // One answer per question: the tags and branches are listed once for the four SHAs.
        Assert.Single(github.Requests, r => r.Path == "/repos/acme/setup/tags?per_page=100&page=1");
        Assert.Single(github.Requests, r => r.Path == "/repos/acme/setup/branches?per_page=100&page=1");
        // The impostor was compared with every branch (the default one first) and tag before it was called one.
        Assert.Equal(
            ["main", "release", "v1.0.0", "v1", "release"],
            github.Requests.Where(r => r.Path.EndsWith("..." + Impostor, StringComparison.Ordinal)).Select(r => r.Path.Split('/')[5].Split("...")[0]));
        Assert.DoesNotContain(Token, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pedantic_persona_adds_a_sha_no_tag_points_to()
    {
        await using var github = new LoopbackHttpServer(r => Answer(r, _unexpected));
        var result = await ScanAsync(github, Workflow, "--online", "--persona", "pedantic");

        Assert.Equal(
            ["impostor-commit:9", "ref-version-mismatch:10", "ref-confusion:11", "stale-action-ref:13"],
            Online(result).Select(f => $"{f.Rule["pipeline-tampering.".Length..]}:{f.Line}"));
        Assert.Equal("low", Online(result).Single(f => f.Line == 13).Severity);
        Assert.Empty(_unexpected);
    }

    [Fact]
    public async Task A_well_pinned_released_sha_raises_nothing_after_one_request()
    {
        await using var github = new LoopbackHttpServer(r => Answer(r, _unexpected));
        var token = _folder.File("token.txt");
        File.WriteAllText(token, Token + "\n");
        var safe = $"""
            name: ci
            on: push
            permissions:
              contents: read
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: acme/setup@{Released}  # v1.0.0
                  - uses: acme/setup@{Released}  # v1
                  - uses: ./local-action
            """;

        var result = await ScanAsync(github, safe, "--online", "--persona", "pedantic", "--token-file", token, "--token-env", "X");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("give --token-env or --token-file, not both", result.Error, StringComparison.Ordinal);

        result = await ScanAsync(github, safe, "--online", "--persona", "pedantic", "--token-file", token);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.OutputLines);
        var request = Assert.Single(github.Requests);
        Assert.Equal("/repos/acme/setup/tags?per_page=100&page=1", request.Path);
        AssertDocumented(github);
    }

    [Fact]
    public async Task A_rate_limit_leaves_the_checks_unknown_as_problems_and_asks_nothing_more()
    {
        await using var github = new LoopbackHttpServer(_ => new HttpReply(
            403,
            """{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}""",
            new Dictionary<string, string> { ["x-ratelimit-limit"] = "5000", ["x-ratelimit-remaining"] = "0", ["x-ratelimit-used"] = "5000", ["x-ratelimit-reset"] = "1798761600", ["x-ratelimit-resource"] = "core" }));

        var result = await ScanAsync(github, Workflow, "--online");

        Assert.Empty(Online(result));
        Assert.Single(github.Requests);
        Assert.Contains(
            $".github/workflows/ci.yml:9: pipeline-tampering.impostor-commit of acme/setup@{Impostor} is unknown: GitHub's API rate limit was reached (HTTP 403 at GET /repos/acme/setup/tags) until 2027-01-01 00:00:00Z",
            result.Error,
            StringComparison.Ordinal);
        Assert.Contains("pipeline-tampering.ref-confusion of acme/setup@release is unknown: GitHub's API rate limit was reached", result.Error, StringComparison.Ordinal);
        Assert.Contains("problems (above)", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.ExitCode); // the offline checks still report (unpinned-action on @release)
        Assert.DoesNotContain(Token, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_online_nothing_is_asked_and_a_missing_token_is_refused()
    {
        await using var github = new LoopbackHttpServer(r => Answer(r, _unexpected));

        var offline = await ScanAsync(github, Workflow);
        Assert.Empty(Online(offline));
        Assert.Equal(1, offline.ExitCode);

        var noToken = await ScanAsync(github, Workflow, new Dictionary<string, string>(), "--online");
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("--online needs a GitHub token: $GITHUB_TOKEN is not set", noToken.Error, StringComparison.Ordinal);

        var strayToken = await ScanAsync(github, Workflow, "--token-env", "GITHUB_TOKEN");
        Assert.Equal(2, strayToken.ExitCode);
        Assert.Empty(github.Requests);
    }

    [Fact]
    public async Task A_changed_workflow_is_asked_only_about_the_references_it_adds()
    {
        await using var github = new LoopbackHttpServer(r => Answer(r, _unexpected));
        using var repo = new TestRepository();
        var config = Config(github);
        repo.Write(".github/workflows/ci.yml", Workflow.Replace($"acme/setup@{Impostor}", "acme/setup@v1", StringComparison.Ordinal)).Commit("ci");
        repo.Write(".github/workflows/ci.yml", Workflow).Commit("ci: pin");

        var result = await new CliRunner(repo.Path, new() { ["GITHUB_TOKEN"] = Token }).RunAsync("scan", "--range", "HEAD~1..HEAD", "--format", "json", "--online", "--config", config);

        Assert.Equal([("pipeline-tampering.impostor-commit", 9, "high", $"acme/setup@{Impostor[..12]} is not a commit of any branch or tag of acme/setup")], Online(result));
        Assert.DoesNotContain(github.Requests, r => r.Path.Contains("matching-refs", StringComparison.Ordinal) || r.Path.Contains(Moved, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_persona_overrides_the_configured_level()
    {
        const string Checkout = """
            name: ci
            on: push
            permissions:
              contents: read
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
                  - run: make
            """;
        await using var github = new LoopbackHttpServer(r => Answer(r, _unexpected));
        File.WriteAllText(_folder.File("pedantic.yml"), "detectors:\n  code-change.pipeline-tampering:\n    level: pedantic\n");

        Assert.Empty(Rules(await ScanAsync(github, Checkout)));
        Assert.Equal(["pipeline-tampering.artipacked"], Rules(await ScanAsync(github, Checkout, "--persona", "pedantic")));
        Assert.Equal(["pipeline-tampering.artipacked"], Rules(await ScanAsync(github, Checkout, "--persona", "PEDANTIC")));
        Assert.Equal(["pipeline-tampering.artipacked"], Rules(await ScanAsync(github, Checkout, "--config", _folder.File("pedantic.yml"))));
        Assert.Empty(Rules(await ScanAsync(github, Checkout, "--config", _folder.File("pedantic.yml"), "--persona", "regular")));
        var bad = await ScanAsync(github, Checkout, "--persona", "paranoid");
        Assert.Equal(2, bad.ExitCode);
        Assert.Empty(github.Requests);

        static List<string> Rules(CliResult result) => [.. result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("rule").GetString()!)];
    }

    [Fact]
    public async Task The_help_names_the_options()
    {
        var help = await new CliRunner(_folder.Path).RunAsync("scan", "--help");

        foreach (var option in new[] { "--persona", "--online", "--token-env", "--token-file" }) Assert.Contains(option, help.Output, StringComparison.Ordinal);
        Assert.Contains("impostor commits", help.Output, StringComparison.Ordinal);
    }

    private Task<CliResult> ScanAsync(LoopbackHttpServer github, string workflow, params string[] args) =>
        ScanAsync(github, workflow, new Dictionary<string, string> { ["GITHUB_TOKEN"] = Token }, args);

    private async Task<CliResult> ScanAsync(LoopbackHttpServer github, string workflow, Dictionary<string, string> environment, params string[] args)
    {
        var root = Path.Combine(_folder.Path, "repo");
        Directory.CreateDirectory(Path.Combine(root, ".github", "workflows"));
        File.WriteAllText(Path.Combine(root, ".github", "workflows", "ci.yml"), workflow);
        var config = args.Contains("--config") ? [] : new[] { "--config", Config(github) };
        return await new CliRunner(_folder.Path, environment).RunAsync(["scan", "--no-git", root, "--format", "json", .. config, .. args]);
    }

    private string Config(LoopbackHttpServer github)
    {
        var file = _folder.File("pipewatch.yml");
        File.WriteAllText(file, $"serve:\n  github-api-url: '{github.Url}'\n");
        return file;
    }

    private static List<(string Rule, int Line, string Severity, string Title)> Online(CliResult result) => Online(result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement));

    /// <summary>The online checks' findings (rule, line, severity, title) by line.</summary>
    internal static List<(string Rule, int Line, string Severity, string Title)> Online(IEnumerable<JsonElement> findings) =>
    [
        .. findings
            .Select(f => (Rule: f.GetProperty("rule").GetString()!, Line: f.GetProperty("location").GetProperty("line").GetInt32(), Severity: f.GetProperty("severity").GetString()!, Title: f.GetProperty("title").GetString()!))
            .Where(f => f.Rule is "pipeline-tampering.impostor-commit" or "pipeline-tampering.ref-confusion" or "pipeline-tampering.ref-version-mismatch" or "pipeline-tampering.stale-action-ref")
            .OrderBy(f => f.Line),
    ];

    /// <summary>Every request a GET of a documented endpoint, with the headers GitHub's REST docs ask for.</summary>
    internal static void AssertDocumented(LoopbackHttpServer github)
    {
        Assert.NotEmpty(github.Requests);
        foreach (var request in github.Requests)
        {
            Assert.Equal("GET", request.Method);
            Assert.Matches(Documented(), request.Path);
            Assert.Equal($"Bearer {Token}", request.Headers["Authorization"]);
            Assert.Equal("application/vnd.github+json", request.Headers["Accept"]);
            Assert.Equal("2022-11-28", request.Headers["X-GitHub-Api-Version"]);
            Assert.False(string.IsNullOrEmpty(request.Headers["User-Agent"]));
        }
    }

    [GeneratedRegex(@"^/repos/acme/setup(|/(tags|branches)\?per_page=100&page=\d+|/compare/[\w.%-]+\.\.\.[0-9a-f]{40}|/git/matching-refs/(heads|tags)/[\w./-]+)$")]
    private static partial Regex Documented();

    /// <summary>The stand-in: acme/setup with branches main and release, tags v1.0.0 and v1 on Released and a tag named release; other paths 404 and are noted in <paramref name="unexpected"/>.</summary>
    internal static HttpReply Answer(RecordedRequest request, List<string> unexpected)
    {
        const string Api = "https://api.github.com/repos/acme/setup";
        static string Commit(string sha) => $$"""{"sha":"{{sha}}","url":"{{Api}}/commits/{{sha}}"}""";
        static string Tag(string name, string sha) =>
            $$"""{"name":"{{name}}","commit":{{Commit(sha)}},"zipball_url":"https://api.github.com/repos/acme/setup/zipball/{{name}}","tarball_url":"https://api.github.com/repos/acme/setup/tarball/{{name}}","node_id":"MDM6UmVmMTI5NjI2OTp2MS4wLjA="}""";
        static string Ref(string name, string sha) =>
            $$$"""{"ref":"{{{name}}}","node_id":"MDM6UmVmcmVmcy9oZWFkcy9mZWF0dXJlQQ==","url":"{{{Api}}}/git/{{{name}}}","object":{"type":"commit","sha":"{{{sha}}}","url":"{{{Api}}}/git/commits/{{{sha}}}"}}""";
        static HttpReply Compare(string status, int ahead, int behind) =>
            new(200, $$"""{"url":"{{Api}}/compare/x","html_url":"https://github.com/acme/setup/compare/x","status":"{{status}}","ahead_by":{{ahead}},"behind_by":{{behind}},"total_commits":{{ahead}},"commits":[],"files":[]}""");

        switch (request.Path)
        {
            case "/repos/acme/setup":
                return new(200, """{"id":1296269,"node_id":"MDEwOlJlcG9zaXRvcnkxMjk2MjY5","name":"setup","full_name":"acme/setup","private":false,"default_branch":"main","fork":false}""");
            case "/repos/acme/setup/tags?per_page=100&page=1":
                return new(200, $"[{Tag("v1.0.0", Released)},{Tag("v1", Released)},{Tag("release", ReleaseHead)}]");
            case "/repos/acme/setup/branches?per_page=100&page=1":
                return new(200, $$"""[{"name":"release","commit":{{Commit(ReleaseHead)}},"protected":false},{"name":"main","commit":{{Commit(MainHead)}},"protected":true}]""");
            case "/repos/acme/setup/git/matching-refs/heads/release":
                return new(200, $"[{Ref("refs/heads/release", ReleaseHead)},{Ref("refs/heads/release-candidate", MainHead)}]");
            case "/repos/acme/setup/git/matching-refs/tags/release":
                return new(200, $"[{Ref("refs/tags/release", ReleaseHead)}]");
            case "/repos/acme/setup/git/matching-refs/heads/v1":
                return new(200, $"[{Ref("refs/heads/v1-maintenance", MainHead)}]");
            case "/repos/acme/setup/git/matching-refs/tags/v1":
                return new(200, $"[{Ref("refs/tags/v1", Released)},{Ref("refs/tags/v1.0.0", Released)}]");
        }

        if (CompareRequest().Match(request.Path) is { Success: true } compare)
        {
            var (head, baseRef) = (compare.Groups[2].Value, compare.Groups[1].Value);
            if (head == Impostor) return Compare("diverged", 1, 4);
            if (head is Unreleased or Moved && baseRef == "main") return Compare("behind", 0, 2);
            return Compare("diverged", 1, 1);
        }

        lock (unexpected) unexpected.Add(request.Path);
        return new(404, """{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}""");
    }

    [GeneratedRegex(@"^/repos/acme/setup/compare/([\w.%-]+)\.\.\.([0-9a-f]{40})$")]
    private static partial Regex CompareRequest();
}
