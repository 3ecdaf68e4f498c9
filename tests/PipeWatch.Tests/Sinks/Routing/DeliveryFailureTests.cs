using Microsoft.Data.Sqlite;
using PipeWatch.Diagnostics;
using PipeWatch.Sinks;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Routing;

/// <summary>What a route does when its service fails: retries with backoff, honours Retry-After, times out, dead-letters, and <c>alerts retry</c> delivers later.</summary>
public sealed class DeliveryFailureTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task A_service_that_answers_500_then_200_gets_the_alert_exactly_once()
    {
        var calls = 0;
        await using var server = new LoopbackHttpServer(_ => Interlocked.Increment(ref calls) == 1 ? new HttpReply(500, "oops") : new HttpReply(200));
        var problems = new ProblemLog();

        var route = await RouteHarness.SendAsync(Webhook(server), [new Alert(FindingJsonTests.Full)], problems: problems);

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(server.Requests[0].Text, server.Requests[1].Text.Replace(SentAt(server.Requests[1]), SentAt(server.Requests[0]), StringComparison.Ordinal));
        Assert.Equal((1, 0, 1), (route.Batching.Delivered, route.Batching.Failed, route.Batching.Retries));
        Assert.Empty(problems.Problems);
    }

    [Fact]
    public async Task A_429_with_retry_after_2_is_retried_after_two_seconds()
    {
        var calls = 0;
        await using var server = new LoopbackHttpServer(_ => Interlocked.Increment(ref calls) == 1
            ? new HttpReply(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = "2" })
            : new HttpReply(200));

        var route = await RouteHarness.SendAsync(Webhook(server), [new Alert(FindingJsonTests.Full)]);

        Assert.Equal(2, server.Requests.Count);
        var waited = server.Requests[1].ReceivedAt - server.Requests[0].ReceivedAt;
        Assert.InRange(waited, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(10));
        Assert.Equal(1, route.Batching.Delivered);
    }

    [Fact]
    public async Task A_service_that_never_answers_times_out_the_alert_is_dead_lettered_and_alerts_retry_delivers_it_once_back()
    {
        var answering = false;
        await using var server = new LoopbackHttpServer(_ => answering ? new HttpReply(200) : null);
        var store = _temp.File("store.db");
        File.WriteAllText(_temp.File("pipewatch.yml"), $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {server.Url}/hook\n      timeout: 1s\n      max-attempts: 2\n");
        SqliteStore.Open(store).Dispose();
        var problems = new ProblemLog();
        using (var log = SqliteDeliveryLog.Open(store))
        {
            var route = Assert.Single(RouteHarness.Router(File.ReadAllText(_temp.File("pipewatch.yml")), problems: problems, log: log).Routes);
            await route.EmitAsync([new Alert(FindingJsonTests.Full, new AlertIncident("inc-3", true))], TestContext.Current.CancellationToken);
            await route.CompleteAsync(TestContext.Current.CancellationToken);
            Assert.Equal((0, 1), (route.Batching.Delivered, route.Batching.Failed));
            var letter = Assert.Single(log.DeadLetters());
            Assert.Equal(("soc", 2, "no answer within 1 s"), (letter.Route, letter.Attempts, letter.Error));
            Assert.Equal(FindingJsonTests.Full.Fingerprint, letter.Alert.Finding.Fingerprint);
            Assert.Equal("inc-3", letter.Alert.IncidentId);
        }

        Assert.Equal(2, server.Requests.Count);
        var problem = Assert.Single(problems.Problems);
        Assert.Equal("soc", problem.File);
        Assert.Equal("1 alert not delivered after 2 attempts: no answer within 1 s (kept as dead letters: 'pipewatch alerts retry' sends them again)", problem.Reason);

        answering = true;
        var retry = await new CliRunner(_temp.Path).RunAsync("alerts", "retry", "--store", store);

        Assert.Equal(0, retry.ExitCode);
        Assert.Contains("retried 1 dead letter: 1 delivered, 0 still waiting", retry.Error, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(FindingJsonTests.Full.Fingerprint, server.Requests[2].Json().RootElement.GetProperty("alerts")[0].GetProperty("finding").GetProperty("fingerprint").GetString());
        using (var log = SqliteDeliveryLog.Open(store)) Assert.Empty(log.DeadLetters());
        Assert.Equal("delivered|3", SqliteFile.Scalar(store, "SELECT status || '|' || attempts FROM alert_deliveries"));

        var again = await new CliRunner(_temp.Path).RunAsync("alerts", "retry", "--store", store);
        Assert.Equal((0, 3), (again.ExitCode, server.Requests.Count));
        Assert.Contains("no dead letters to send", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_test_sends_a_sample_through_the_route_and_prints_the_service_answer()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(202, """{"status":"success"}"""));
        File.WriteAllText(_temp.File("pipewatch.yml"), $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {server.Url}/hook\n");

        var result = await new CliRunner(_temp.Path).RunAsync("alerts", "test", "soc");
        var unknown = await new CliRunner(_temp.Path).RunAsync("alerts", "test", "nope");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("route 'soc' (webhook): delivered; the service answered: HTTP 202: {\"status\":\"success\"}\n", result.Output);
        var sent = Assert.Single(server.Requests).Json().RootElement.GetProperty("alerts")[0].GetProperty("finding");
        Assert.Equal("pipewatch.test-alert", sent.GetProperty("rule").GetString());
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("pipewatch: no alerts route named 'nope' (routes: soc)\n", unknown.Error);
    }

    [Fact]
    public async Task Alerts_test_of_a_route_that_refuses_says_so_and_exits_1()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(400, "invalid_payload", ContentType: "text/plain"));
        File.WriteAllText(_temp.File("pipewatch.yml"), $"alerts:\n  routes:\n    - name: chat\n      sink: slack\n      url: {server.Url}/services/x\n");

        var result = await new CliRunner(_temp.Path).RunAsync("alerts", "test", "chat");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("route 'chat' (slack): not delivered: HTTP 400: invalid_payload\n", result.Output);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static string Webhook(LoopbackHttpServer server) =>
        $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {server.Url}/hook\n";

    private static string SentAt(RecordedRequest request) => request.Json().RootElement.GetProperty("sent_at").GetString()!;
}
