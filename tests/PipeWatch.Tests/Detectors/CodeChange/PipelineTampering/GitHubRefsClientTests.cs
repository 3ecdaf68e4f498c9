using PipeWatch.Detectors.CodeChange.PipelineTampering.Online;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;

/// <summary>The GitHub client of the online workflow checks: paging, caching, and what makes an answer unknown.</summary>
public sealed class GitHubRefsClientTests
{
    private const string Sha = "8f4b7f84864484a7bf31766abe9204da3cbe65b3";

    [Fact]
    public async Task Tags_are_read_page_by_page_until_a_short_page_and_asked_once()
    {
        await using var github = new LoopbackHttpServer(r => r.Path switch
        {
            "/repos/acme/setup/tags?per_page=100&page=1" => new HttpReply(200, Page(0, 100)),
            "/repos/acme/setup/tags?per_page=100&page=2" => new HttpReply(200, Page(100, 1)),
            _ => new HttpReply(404, """{"message":"Not Found"}"""),
        });
        using var client = new GitHubRefsClient(github.Url, "t");

        var tags = client.Tags("acme/setup");
        Assert.Same(tags, client.Tags("acme/setup"));

        Assert.True(tags.Known);
        Assert.Equal(101, tags.Value!.Count);
        Assert.Equal(("v100.0.0", Sha), tags.Value[100]);
        Assert.Equal(2, github.Requests.Count);
    }

    [Fact]
    public async Task An_error_or_a_bad_body_is_unknown_for_that_question_only_and_a_429_stops_every_later_one()
    {
        await using var github = new LoopbackHttpServer(r => r.Path switch
        {
            "/repos/acme/setup/tags?per_page=100&page=1" => new HttpReply(500, """{"message":"Server Error"}"""),
            "/repos/acme/other/tags?per_page=100&page=1" => new HttpReply(200, """{"message":"not a list"}"""),
            "/repos/acme/setup/git/matching-refs/heads/v1" => new HttpReply(200, "[{\"ref\":"),
            _ => new HttpReply(429, """{"message":"You have exceeded a secondary rate limit."}""", new Dictionary<string, string> { ["retry-after"] = "60" }),
        });
        using var client = new GitHubRefsClient(github.Url, "t");

        Assert.Equal("GET /repos/acme/setup/tags: HTTP 500", client.Tags("acme/setup").Why);
        Assert.Equal("GET /repos/acme/other/tags: not the documented JSON", client.Tags("acme/other").Why);
        Assert.Equal("matching-refs: not JSON", client.HasRef("acme/setup", "heads", "v1").Why);
        Assert.StartsWith("GitHub's API rate limit was reached (HTTP 429 at GET /repos/acme/setup/git/matching-refs/tags/v1)", client.HasRef("acme/setup", "tags", "v1").Why, StringComparison.Ordinal);
        Assert.False(client.HasRef("acme/third", "heads", "main").Known);
        Assert.Equal(4, github.Requests.Count);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_unknown_after_the_timeout()
    {
        await using var github = new LoopbackHttpServer(_ => null);
        using var client = new GitHubRefsClient(github.Url, "t") { Timeout = TimeSpan.FromMilliseconds(500) };

        var answer = client.HasRef("acme/setup", "heads", "main");

        Assert.Equal("GET /repos/acme/setup/git/matching-refs/heads/main: no answer within 0.5 s", answer.Why);
    }

    [Fact]
    public async Task A_sha_past_the_comparison_bound_is_unknown_not_an_impostor()
    {
        var branches = string.Join(",", Enumerable.Range(0, 40).Select(i => $$"""{"name":"b{{i}}","commit":{"sha":"{{Sha}}","url":"x"},"protected":false}"""));
        await using var github = new LoopbackHttpServer(r =>
            r.Path.StartsWith("/repos/acme/setup/tags", StringComparison.Ordinal) ? new HttpReply(200, "[]")
            : r.Path.StartsWith("/repos/acme/setup/branches", StringComparison.Ordinal) ? new HttpReply(200, $"[{branches}]")
            : r.Path == "/repos/acme/setup" ? new HttpReply(200, """{"default_branch":"b0"}""")
            : new HttpReply(200, """{"status":"diverged","ahead_by":1,"behind_by":1}"""));
        using var client = new GitHubRefsClient(github.Url, "t");

        var answer = client.Reachable("acme/setup", "c0ffee254729296a45a3885639ac7e4a7e1e0c37");

        Assert.Equal($"compared with {GitHubRefsClient.MaxCompares} of its 40 branches and tags without finding it", answer.Why);
        Assert.Equal(GitHubRefsClient.MaxCompares, github.Requests.Count(r => r.Path.Contains("/compare/", StringComparison.Ordinal)));
    }

    private static string Page(int from, int count) =>
        "[" + string.Join(",", Enumerable.Range(from, count).Select(i => $$"""{"name":"v{{i}}.0.0","commit":{"sha":"{{Sha}}","url":"https://api.github.com/repos/acme/setup/commits/{{Sha}}"},"zipball_url":"z","tarball_url":"t","node_id":"n"}""")) + "]";
}
