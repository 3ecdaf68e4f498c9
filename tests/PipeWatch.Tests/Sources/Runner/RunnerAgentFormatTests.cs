using PipeWatch.Events;
using PipeWatch.Sources.Intake;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner;

/// <summary>The agent's JSON Lines read through the payload reader: recognized by <c>agent.type</c>, bad lines reported and skipped.</summary>
public sealed class RunnerAgentFormatTests
{
    private const string Connection =
        """{"event.category":"network","event.type":"connection","event.action":"connection-attempted","event.outcome":"success","@timestamp":"2026-12-06T07:41:46.404663Z","destination.ip":"10.20.30.40","destination.port":443,"destination.domain":"gist.githubusercontent.example","network.transport":"tcp","process.pid":12901,"process.name":"curl","process.command_line":"curl -s https://gist.githubusercontent.example/x","agent.type":"pipewatch-agent","event.id":"d665-4","ci.repository":"acme/app","ci.pipeline":"CI","ci.run_id":"7","ci.run_attempt":"2","ci.job":"build","ci.step":"Test","user.name":"octocat"}""";

    [Fact]
    public async Task A_connection_line_is_a_telemetry_event_of_its_run_with_every_field()
    {
        var result = await PayloadReader.Default.ReadAsync(System.Text.Encoding.UTF8.GetBytes(Connection + "\n"), PayloadOrigin.File("agent.jsonl"), cancellationToken: TestContext.Current.CancellationToken);

        var e = Assert.Single(result.Events);
        Assert.Empty(result.Problems);
        Assert.Equal((EventKind.Telemetry, "agent:d665-4", "runner.agent.network", "connection-attempted", Outcome.Success), (e.Kind, e.Id, e.Dataset, e.Action, e.Outcome));
        Assert.Equal(new CiContext("acme/app", "CI", "7", 2, "build"), e.Ci);
        Assert.Equal(("octocat", "443", "Test"), (e.UserName, e.Fields["destination.port"], e.Fields["ci.step"]));
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 7, 41, 46, TimeSpan.Zero).AddTicks(4046630), e.Timestamp);
    }

    [Fact]
    public async Task A_line_without_an_id_is_a_problem_and_the_next_line_is_read()
    {
        var body = Connection.Replace("\"event.id\":\"d665-4\",", "", StringComparison.Ordinal) + "\n" + Connection + "\n";

        var result = await PayloadReader.Default.ReadAsync(System.Text.Encoding.UTF8.GetBytes(body), PayloadOrigin.File("agent.jsonl"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("agent:d665-4", Assert.Single(result.Events).Id);
        var problem = Assert.Single(result.Problems);
        Assert.Contains("an agent line without 'event.id'", problem.ToString(), StringComparison.Ordinal);
    }
}
