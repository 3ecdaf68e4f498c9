using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Support.AuditHistory;

namespace PipeWatch.Tests.Alerting.Signals;

/// <summary>Signals are weighed in the shared back half, so an ingest of audit events weighs them as a scan weighs a commit's.</summary>
public sealed class IngestSignalsTests : IDisposable
{
    /// <summary>Carol works from the US, 13:00–20:00 UTC; she pushes and merges but has never touched the repository's secrets.</summary>
    private static readonly Person Carol = new("carol-ops", "US", "203.0.113.44", 13);

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task A_new_secret_actor_at_an_unusual_hour_alone_is_recorded_at_info_with_weights_and_baselines()
    {
        var events = History();
        events.Add(Carol.Does("repo.update_actions_secret", After.AddHours(3).AddMinutes(10), ("github.name", "NPM_TOKEN")));

        var result = await RunAsync(_temp.File("store.db"), events);

        Assert.Empty(result.Problems);
        Assert.All(result.Findings, f => Assert.Equal(Severity.Info, f.Severity));
        var signals = result.Findings.Where(f => f.Evidence.Any(e => e.Name == "weight")).ToDictionary(f => f.Evidence.Single(e => e.Name == "signal").Value, StringComparer.Ordinal);
        Assert.Equal(["new-secret-actor", "unusual-hour"], signals.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("30", "25"), (Weight(signals["new-secret-actor"]), Weight(signals["unusual-hour"])));
        Assert.Contains("in 12 secret events of its baseline, only 2 actors touched its secrets", signals["new-secret-actor"].Explanation, StringComparison.Ordinal);
        Assert.Contains("of their 80 events in the baseline none fell within an hour of that time of week", signals["unusual-hour"].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_secret_actor_at_an_unusual_hour_who_then_removes_branch_protection_is_one_alert_naming_both_signals()
    {
        var events = History();
        events.Add(Carol.Does("repo.update_actions_secret", After.AddHours(3).AddMinutes(10), ("github.name", "NPM_TOKEN")));
        events.Add(Carol.Does("protected_branch.destroy", After.AddHours(3).AddMinutes(24), ("github.name", "main")));

        var result = await RunAsync(_temp.File("store.db"), events);

        Assert.Empty(result.Problems);
        var alert = Assert.Single(result.Findings, f => f.Severity > Severity.Info);
        Assert.Equal((Categories.PermissionWidened, "carol-ops"), (alert.Category, alert.Entity.Actor));
        Assert.Equal("new-secret-actor,unusual-hour", string.Join(",", alert.Evidence.Single(e => e.Name == "signals").Value.Split(',').Order(StringComparer.Ordinal)));
        Assert.Equal("55", alert.Evidence.Single(e => e.Name == "risk_score").Value);
        Assert.Contains("Signals by this actor within 1 day(s) (risk 55, threshold 60):", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("[first touch of these secrets by this actor, weight 30] 'carol-ops' did 'repo.update_actions_secret'", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("[unusual hour, weight 25] 'carol-ops' did ", alert.Explanation, StringComparison.Ordinal);
    }

    private static string Weight(Finding f) => f.Evidence.Single(e => e.Name == "weight").Value;

    // The organization's four normal weeks, with Carol's working days beside Alice's and Bob's.
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
}
