using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sources;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Server;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Support.AuditHistory;

namespace PipeWatch.Tests.Alerting.Signals;

/// <summary>
/// An actor's signals are read back from the store when an engine starts (a restarted <c>serve</c>, the next <c>ingest</c>): a signal
/// recorded by one run coincides with what the same actor does in the next run within the window, as if nothing had restarted.
/// </summary>
public sealed class StoredSignalsTests : IDisposable
{
    private static readonly Person Carol = new("carol-ops", "US", "203.0.113.44", 13);
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task A_signal_recorded_before_a_restart_joins_the_alert_of_the_same_actor_after_it()
    {
        var store = _temp.File("store.db");
        var secret = Carol.Does("repo.update_actions_secret", After.AddHours(3).AddMinutes(10), ("github.name", "NPM_TOKEN"));
        var first = await RunAsync(store, [.. History(), secret], After.AddHours(3).AddMinutes(11));
        Assert.All(first, f => Assert.Equal(Severity.Info, f.Severity));
        Assert.Contains(first, f => f.Evidence.Any(e => e.Name == "signal" && e.Value == "new-secret-actor"));

        // The engine restarts; fourteen minutes later Carol removes branch protection.
        var second = await RunAsync(store, [Carol.Does("protected_branch.destroy", After.AddHours(3).AddMinutes(24), ("github.name", "main"))], After.AddHours(3).AddMinutes(25));

        var alert = Assert.Single(second, f => f.Severity > Severity.Info);
        Assert.Equal((Categories.PermissionWidened, "carol-ops"), (alert.Category, alert.Entity.Actor));
        Assert.Contains("new-secret-actor", alert.Evidence.Single(e => e.Name == "signals").Value.Split(','));
        Assert.Contains("Signals by this actor within 1 day(s)", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("[first touch of these secrets by this actor, weight 30] 'carol-ops' did 'repo.update_actions_secret'", alert.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signal_older_than_the_window_is_not_read_back()
    {
        var store = _temp.File("store.db");
        var secret = Carol.Does("repo.update_actions_secret", After.AddHours(3).AddMinutes(10), ("github.name", "NPM_TOKEN"));
        await RunAsync(store, [.. History(), secret], After.AddHours(3).AddMinutes(11));

        // Two days later: the signal is outside the one-day window, so the branch protection removal stands alone.
        var later = After.AddDays(2).AddHours(15);
        var second = await RunAsync(store, [Carol.Does("protected_branch.destroy", later, ("github.name", "main"))], later.AddMinutes(1));

        var alert = Assert.Single(second, f => f.Severity > Severity.Info);
        Assert.Equal(Categories.PermissionWidened, alert.Category);
        Assert.DoesNotContain("first touch of these secrets", alert.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_lists_only_the_signals_and_the_alerts_they_joined_when_asked_for_signals()
    {
        using var folder = new TempFolder();
        var secret = Carol.Does("repo.update_actions_secret", After.AddHours(3).AddMinutes(10), ("github.name", "NPM_TOKEN"));
        var destroy = Carol.Does("protected_branch.destroy", After.AddHours(3).AddMinutes(24), ("github.name", "main"));
        await RunAsync(folder.File("pipewatch.db"), [.. History(), secret, destroy], After.AddHours(3).AddMinutes(25));
        using (var opened = SqliteStore.Open(folder.File("pipewatch.db")))
        {
            // A finding that stands on its own: no signal, no risk score.
            using PipeWatch.Store.IStoreBatch batch = opened.BeginBatch();
            Assert.True(batch.TryAddFinding(PipeWatch.Tests.Store.Sqlite.SqliteStoreTests.NewFinding("0123456789abcdef0123456789abcdef", timestamp: After.AddHours(5))));
            batch.Commit();
        }

        await using var server = await RunningServer.StartAsync(folder: folder);
        var all = await server.AllFindingsAsync("status=all");
        var signals = await server.AllFindingsAsync("status=all&signals=true");

        static bool Marked(JsonElement f) => f.GetProperty("evidence").EnumerateArray().Any(e => e.GetProperty("name").GetString() is "weight" or "risk_score");
        static string Fingerprint(JsonElement f) => f.GetProperty("fingerprint").GetString()!;
        Assert.Contains(all, f => Fingerprint(f) == "0123456789abcdef0123456789abcdef");
        Assert.Equal(all.Where(Marked).Select(Fingerprint).Order(StringComparer.Ordinal), signals.Select(Fingerprint).Order(StringComparer.Ordinal));
        Assert.True(signals.Count < all.Count);
        var alert = Assert.Single(signals, f => f.GetProperty("severity").GetString() != "info");
        Assert.Equal(Categories.PermissionWidened, alert.GetProperty("category").GetString());
        Assert.Contains(signals, f => f.GetProperty("evidence").EnumerateArray().Any(e => e.GetProperty("name").GetString() == "signal" && e.GetProperty("value").GetString() == "new-secret-actor"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/findings?signals=yes");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RunningServer.ApiToken);
        using var response = await server.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("signals: expected true or false", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<Finding>> RunAsync(string store, IReadOnlyList<Event> events, DateTimeOffset now)
    {
        var sink = new CollectingSink();
        using var opened = SqliteStore.Open(store);
        var engine = new PipelineBuilder(opened).WithConfig(PipeWatchConfig.Default).WithTime(new FakeTimeProvider(now)).WithProblems(new ProblemLog()).AddSink(sink).Build();
        await engine.RunAsync([new EventList(events)], null, TestContext.Current.CancellationToken);
        return sink.Findings;
    }

    private static List<Event> History()
    {
        var events = Normal();
        string[] actions = ["git.clone", "git.push", "pull_request.merge", "git.fetch"];
        for (var day = 0; day < 28; day++)
        {
            var date = Start.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            for (var i = 0; i < actions.Length; i++) events.Add(Carol.Does(actions[i], date.AddHours(Carol.FirstHour + (2 * i)).AddMinutes(day % 7 * 5)));
        }

        return [.. events.OrderBy(e => e.Timestamp)];
    }

    public void Dispose() => _temp.Dispose();

    private sealed class EventList(IReadOnlyList<Event> events) : ISource
    {
        public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return e;
            }

            await Task.CompletedTask;
        }
    }
}
