using System.Text.Json;
using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Detectors.Rules;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Rules.Sigma;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>Correlation rules over real-format audit logs through ingest: each fires once, at the event that completes it; memory stays bounded.</summary>
public sealed class SigmaCorrelationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);

    private const string FailedLogin = """
        title: Failed login
        id: 2f0c8d7e-0001-4000-8000-000000000001
        name: failed_login
        logsource:
            product: github
            service: audit
        detection:
            selection:
                action: 'user.failed_login'
            condition: selection
        level: low
        """;

    [Fact]
    public async Task Event_count_of_failed_logins_fires_once_at_the_fifth_within_ten_minutes()
    {
        var rules = FailedLogin + """

            ---
            title: Failed login burst
            id: 2f0c8d7e-0002-4000-8000-000000000002
            tags:
                - attack.t1110
            correlation:
                type: event_count
                rules:
                    - failed_login
                group-by:
                    - actor
                timespan: 10m
                condition:
                    gte: 5
            level: high
            """;
        // mallory fails 7 times a minute apart (the 5th is line 10), bob 4 times in between; mallory's failure an hour before is outside the window.
        var lines = new List<string> { Audit(-60, "user.failed_login", "mallory") };
        for (var i = 0; i < 7; i++)
        {
            lines.Add(Audit(i, "user.failed_login", "mallory"));
            if (i < 4) lines.Add(Audit(i, "user.failed_login", "bob"));
        }

        var findings = await RunAsync(rules, lines);

        var finding = Assert.Single(findings);
        Assert.Equal("2f0c8d7e-0002-4000-8000-000000000002", finding.Rule);
        Assert.Equal(Categories.SuspiciousLogin, finding.Category);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("mallory", finding.Entity.Actor);
        Assert.Equal(10, finding.Location.Line);
        Assert.Contains("5 matching events for actor=mallory", finding.Explanation);
        Assert.Contains("T1110", finding.Techniques);
    }

    [Fact]
    public async Task Value_count_of_distinct_repositories_cloned_by_one_actor_fires_once_at_the_third()
    {
        const string rules = """
            title: Clone
            id: 2f0c8d7e-0003-4000-8000-000000000003
            name: clone
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    action: 'git.clone'
                condition: selection
            ---
            title: One actor cloned many repositories
            id: 2f0c8d7e-0004-4000-8000-000000000004
            pipewatch.category: secrets.unauthorized-access
            correlation:
                type: value_count
                rules:
                    - clone
                group-by:
                    - actor
                timespan: 1h
                condition:
                    field: repo
                    gte: 3
            level: medium
            """;
        string[] lines =
        [
            Audit(0, "git.clone", "carol", "acme/api"),
            Audit(1, "git.clone", "carol", "acme/api"),
            Audit(2, "git.clone", "dave", "acme/web"),
            Audit(3, "git.clone", "carol", "acme/web"),
            Audit(4, "git.clone", "carol", "acme/web"),
            Audit(5, "git.clone", "carol", "acme/infra"),
            Audit(6, "git.clone", "carol", "acme/docs"),
            Audit(7, "git.clone", "dave", "acme/api"),
        ];

        var findings = await RunAsync(rules, lines);

        var finding = Assert.Single(findings);
        Assert.Equal("2f0c8d7e-0004-4000-8000-000000000004", finding.Rule);
        Assert.Equal(Categories.UnauthorizedSecretAccess, finding.Category);
        Assert.Equal(6, finding.Location.Line);
        Assert.Equal("acme/infra", finding.Entity.Repository);
        Assert.Contains("3 distinct values of repo for actor=carol", finding.Explanation);
    }

    [Fact]
    public async Task Temporal_ordered_fires_once_when_the_steps_come_in_order_within_the_timespan()
    {
        const string rules = """
            title: Collaborator added
            name: collaborator_added
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    action: 'repo.add_member'
                condition: selection
            ---
            title: Actions secret changed
            name: secret_changed
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    action: 'repo.update_actions_secret'
                condition: selection
            ---
            title: Self-hosted runner registered
            name: runner_registered
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    action: 'repo.register_self_hosted_runner'
                condition: selection
            ---
            title: Collaborator added, then a secret changed and a runner registered in that repository
            id: 2f0c8d7e-0005-4000-8000-000000000005
            correlation:
                type: temporal_ordered
                rules:
                    - collaborator_added
                    - secret_changed
                    - runner_registered
                group-by:
                    - repo
                timespan: 30m
            level: critical
            """;
        string[] lines =
        [
            // acme/web: out of order (the runner before the secret) - no firing.
            Audit(0, "repo.add_member", "mallory", "acme/web"),
            Audit(1, "repo.register_self_hosted_runner", "mallory", "acme/web"),
            Audit(2, "repo.update_actions_secret", "mallory", "acme/web"),
            // acme/api: in order, but the last step 40 minutes after the first - no firing; then in order within 30 minutes.
            Audit(3, "repo.add_member", "mallory", "acme/api"),
            Audit(10, "repo.update_actions_secret", "mallory", "acme/api"),
            Audit(43, "repo.register_self_hosted_runner", "mallory", "acme/api"),
            Audit(50, "repo.add_member", "mallory", "acme/api"),
            Audit(55, "repo.update_actions_secret", "mallory", "acme/api"),
            Audit(60, "repo.register_self_hosted_runner", "mallory", "acme/api"),
            Audit(61, "repo.register_self_hosted_runner", "mallory", "acme/api"),
        ];

        var findings = await RunAsync(rules, lines);

        var finding = Assert.Single(findings);
        Assert.Equal("2f0c8d7e-0005-4000-8000-000000000005", finding.Rule);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(9, finding.Location.Line);
        Assert.Equal("acme/api", finding.Entity.Repository);
    }

    [Fact]
    public async Task Generate_true_keeps_the_referenced_rule_s_own_findings()
    {
        var rules = FailedLogin + """

            ---
            title: Failed login burst
            name: failed_login_burst
            correlation:
                type: event_count
                rules: [failed_login]
                group-by: [actor]
                timespan: 10m
                condition:
                    gte: 2
                generate: true
            """;

        var findings = await RunAsync(rules, [Audit(0, "user.failed_login", "mallory"), Audit(1, "user.failed_login", "mallory")]);

        Assert.Equal(["2f0c8d7e-0001-4000-8000-000000000001", "2f0c8d7e-0001-4000-8000-000000000001", "failed_login_burst"], findings.Select(f => f.Rule).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, string, int[]> AggregateRows => new()
    {
        // type, condition, the lines (1-based) of the events it fires at. Values of 'size' in order: 10, 50, 20, 400, 5.
        // After firing, the group's window starts again empty, so a later burst fires again.
        { "value_sum", "field: size\n        gt: 75", [3, 4] },
        { "value_sum", "field: size\n        gt: 100\n        lte: 200", [] },
        { "value_avg", "field: size\n        gte: 100", [4] },
        { "value_percentile", "field: size\n        percentile: 50\n        gte: 20", [3, 4] },
        { "value_percentile", "field: size\n        percentile: 95\n        gte: 400", [4] },
        { "event_count", "eq: 3", [3] },
        { "event_count", "gt: 1\n        lt: 3", [2, 4] },
        { "value_count", "field: size\n        neq: 1", [2, 4] },
    };

    [Theory]
    [MemberData(nameof(AggregateRows))]
    public async Task Aggregations_and_conditions_per_specification(string type, string condition, int[] lines)
    {
        var rules = $"""
            title: Artifact downloaded
            name: download
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    action: 'artifact.download'
                condition: selection
            ---
            title: Aggregate
            correlation:
                type: {type}
                rules: [download]
                group-by: [actor]
                timespan: 1h
                condition:
                    {condition}
            """;
        int[] sizes = [10, 50, 20, 400, 5];

        var findings = await RunAsync(rules, [.. sizes.Select((s, i) => Audit(i, "artifact.download", "erin", extra: $", \"size\": {s}"))]);

        Assert.Equal(lines, findings.Select(f => f.Location.Line ?? 0));
    }

    [Fact]
    public async Task Temporal_fires_when_every_rule_matched_in_any_order_and_aliases_join_different_fields()
    {
        const string rules = """
            title: Member added
            name: member_added
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    action: 'org.add_member'
                condition: selection
            ---
            title: Token created
            name: token_created
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    action: 'personal_access_token.create'
                condition: selection
            ---
            title: New member made a token at once
            correlation:
                type: temporal
                rules: [member_added, token_created]
                group-by: [account]
                timespan: 15m
                aliases:
                    account:
                        member_added: user
                        token_created: actor
            """;
        string[] lines =
        [
            Audit(0, "personal_access_token.create", "newbie"),
            Audit(1, "org.add_member", "owner", extra: ", \"user\": \"someone-else\""),
            Audit(2, "org.add_member", "owner", extra: ", \"user\": \"newbie\""),
        ];

        var findings = await RunAsync(rules, lines);

        Assert.Equal([3], findings.Select(f => f.Location.Line));
        Assert.Contains("account=newbie", Assert.Single(findings).Explanation);
    }

    [Fact]
    public void Memory_stays_bounded_over_a_long_stream_of_new_groups()
    {
        var correlation = Correlation("""
            title: Burst
            correlation:
                type: event_count
                rules: [failed_login]
                group-by: [actor]
                timespan: 10m
                condition:
                    gte: 1000
            """);
        var correlator = new SigmaCorrelator([correlation], new SigmaCorrelatorOptions { MaxGroups = 500, MaxEntriesPerGroup = 50 });
        var hits = new List<SigmaCorrelationHit>();
        var peakGroups = 0;
        var peakEntries = 0;

        // 200,000 failures: 20 per second, each from a new actor every 10th event, and one actor failing all along.
        for (var i = 0; i < 200_000; i++)
        {
            var e = FailedLoginEvent(T0.AddMilliseconds(i * 50), i % 10 == 0 ? $"user-{i}" : "loud");
            correlator.Observe(null, "failed_login", e, new SigmaEventFields(e), hits);
            if (i % 1000 == 0)
            {
                peakGroups = Math.Max(peakGroups, correlator.GroupCount);
                peakEntries = Math.Max(peakEntries, correlator.EntryCount);
            }
        }

        Assert.Empty(hits);
        Assert.InRange(peakGroups, 400, 500);
        Assert.True(correlator.Evicted > 0);
        Assert.InRange(peakEntries, 1, 500 * 50);

        // Ten minutes of silence later, one event: every idle group is gone.
        var late = FailedLoginEvent(T0.AddMilliseconds(200_000 * 50).AddMinutes(11), "late");
        correlator.Observe(null, "failed_login", late, new SigmaEventFields(late), hits);
        Assert.Equal(1, correlator.GroupCount);
        Assert.Equal(1, correlator.EntryCount);
    }

    [Fact]
    public void Groups_idle_longer_than_the_timespan_are_dropped_as_time_moves_on()
    {
        var correlation = Correlation("title: Burst\ncorrelation:\n    type: event_count\n    rules: [failed_login]\n    group-by: [actor]\n    timespan: 10m\n    condition:\n        gte: 1000\n");
        var correlator = new SigmaCorrelator([correlation]);
        var hits = new List<SigmaCorrelationHit>();

        // A new actor every minute for a day: at most the last ten minutes' actors are held.
        for (var minute = 0; minute < 24 * 60; minute++)
        {
            var e = FailedLoginEvent(T0.AddMinutes(minute), $"user-{minute}");
            correlator.Observe(null, "failed_login", e, new SigmaEventFields(e), hits);
            Assert.InRange(correlator.GroupCount, 1, 11);
        }

        Assert.Equal(0, correlator.Evicted);
    }

    [Theory]
    [InlineData("correlation:\n    type: event_count\n    rules: [a]\n    timespan: 5m\n", "correlation: missing required key 'condition'")]
    [InlineData("correlation:\n    type: event_sum\n    rules: [a]\n    timespan: 5m\n    condition:\n        gte: 1\n", "correlation.type: 'event_sum' is not one of")]
    [InlineData("correlation:\n    type: event_count\n    rules: [a]\n    timespan: 5x\n    condition:\n        gte: 1\n", "correlation.timespan: '5x' is not a number and one of s, m, h, d, w")]
    [InlineData("correlation:\n    type: value_count\n    rules: [a]\n    timespan: 5m\n    condition:\n        gte: 1\n", "'value_count' needs 'field'")]
    [InlineData("correlation:\n    type: event_count\n    rules: [a]\n    timespan: 5m\n    condition:\n        more: 1\n", "correlation.condition.more: unknown key")]
    [InlineData("correlation:\n    type: temporal\n    rules: [a]\n    timespan: 5m\n", "a temporal correlation needs two or more rules")]
    [InlineData("correlation:\n    type: event_count\n    rules: [a]\n    timespan: 5m\n    condition: 'failed_login and not x'\n", "extended condition expressions are not supported")]
    public void Malformed_correlation_is_reported_with_its_line(string section, string reason)
    {
        var problems = SigmaRuleLoader.Parse("title: Bad\n" + section, "bad.yml").Problems;

        Assert.Contains(problems, p => p.Reason.Contains(reason, StringComparison.Ordinal) && p.Line > 1);
    }

    [Fact]
    public void A_correlation_that_refers_to_no_loaded_rule_is_left_out_with_a_problem()
    {
        var problems = new List<PipeWatch.Diagnostics.Problem>();
        var set = SigmaRuleSet.Create(SigmaRuleLoader.ParseAll("title: Orphan\ncorrelation:\n    type: event_count\n    rules: [nothing_here]\n    timespan: 5m\n    condition:\n        gte: 2\n", "orphan.yml"), SigmaFieldMapping.Default, problems);

        Assert.Empty(set.Correlations);
        Assert.Equal(["orphan.yml:1: correlation 'Orphan': no loaded rule has the id or name 'nothing_here'"], problems.Select(p => p.ToString()));
    }

    private static SigmaCorrelationRule Correlation(string yaml) => SigmaRuleLoader.Parse(yaml, "c.yml").Correlation!;

    private static Event FailedLoginEvent(DateTimeOffset time, string actor) => new()
    {
        Kind = EventKind.Audit,
        Id = $"github:audit:{actor}:{time.ToUnixTimeMilliseconds()}",
        Timestamp = time,
        Dataset = "github.audit",
        Action = "user.failed_login",
        Ci = CiContext.ForRepository(null, "github"),
        UserName = actor,
        Origin = new Origin("audit.jsonl"),
    };

    // One GitHub audit-log entry (as exported, JSON Lines) at T0 + minutes.
    private static string Audit(int minutes, string action, string actor, string? repo = null, string extra = "") =>
        $"{{\"@timestamp\": {T0.AddMinutes(minutes).ToUnixTimeMilliseconds()}, \"_document_id\": \"{action}-{actor}-{minutes}-{repo}{extra.Length}\", \"action\": {JsonSerializer.Serialize(action)}, \"actor\": \"{actor}\", \"org\": \"acme\"{(repo is null ? string.Empty : $", \"repo\": \"{repo}\"")}{extra}}}";

    private static readonly PipeWatchConfig SigmaOnly = PipeWatchConfig.Default with
    {
        Disabled = BuiltInDetectors.Create(PipeWatchConfig.Default).Select(d => d.Info.Id).Where(id => id != SigmaRuleDetector.Id).ToHashSet(StringComparer.Ordinal),
    };

    private static async Task<IReadOnlyList<Finding>> RunAsync(string rules, IEnumerable<string> lines)
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("rules"));
        File.WriteAllText(temp.File("rules/correlation.yml"), rules);
        File.WriteAllLines(temp.File("audit.jsonl"), lines);
        var config = SigmaOnly with { Sigma = new SigmaRulesOptions { BuiltIn = false, Folders = [temp.File("rules")] } };

        var result = await Ingest.RunAsync(temp.File("store.db"), [temp.File("audit.jsonl")], config);

        Assert.Empty(result.Problems);
        return [.. result.Findings.OrderBy(f => f.Location.Line)];
    }
}
