using System.Text.Json;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Engine;

/// <summary>
/// The incident acceptance test of issue 6, end to end: four weeks of an organization's GitHub audit log and deployment
/// webhooks, as files, through the real sources, every built-in detector, the correlator and a SQLite store; then an
/// attack told by three findings — a collaborator added, the secrets touched by an account that never touched them, a
/// deployment to an environment never used — that must come out as one incident, in time order.
/// </summary>
public sealed class AttackStoryScenarioTests : IDisposable
{
    private const string Repository = "acme-inc/payments-api";

    /// <summary>Monday 7 September 2026: the first day of the history.</summary>
    private static readonly DateTimeOffset Start = new(2026, 9, 7, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Monday 5 October 2026, the morning after four weeks of history.</summary>
    private static readonly DateTimeOffset AttackDay = Start.AddDays(28);

    /// <summary>Alice works from the US (14:00–20:00 UTC), Bob from Germany (08:00–14:00), Dave from the UK (09:00–15:00).</summary>
    private static readonly AuditLogFile.Member Alice = new("alice-sre", "US", "203.0.113.10");
    private static readonly AuditLogFile.Member Bob = new("bob-dev", "DE", "198.51.100.7");
    private static readonly AuditLogFile.Member Dave = new("dave-maint", "GB", "192.0.2.44");

    private static readonly (AuditLogFile.Member Who, int FirstHour)[] Staff = [(Alice, 14), (Bob, 8), (Dave, 9)];
    private static readonly string[] DailyActions = ["user.login", "git.clone", "git.push", "pull_request.merge", "git.fetch"];

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Four_weeks_of_normal_audit_log_and_deployments_raise_nothing()
    {
        var (audit, deployments) = History();

        var result = await Ingest.RunAsync(Store, [audit.Save(_temp.File("audit-log.jsonl")), deployments.Save(_temp.File("deployments.jsonl"))]);

        Assert.Empty(result.Problems);
        Assert.Equal(audit.Count + (deployments.Count * 5), result.Summary.Events);
        Assert.Empty(result.Findings);
        using var store = SqliteStore.Open(Store);
        Assert.Empty(store.QueryIncidents(new IncidentQuery()));
    }

    [Fact]
    public async Task Collaborator_added_then_secret_changed_then_new_environment_by_one_account_is_one_incident_in_time_order()
    {
        var (audit, deployments) = History();
        Attack(audit, deployments, url: null);

        var result = await Ingest.RunAsync(Store, [audit.Save(_temp.File("audit-log.jsonl")), deployments.Save(_temp.File("deployments.jsonl"))]);

        Assert.Empty(result.Problems);
        Assert.Equal(
            [
                ("access.permission-widened", Categories.PermissionWidened, Severity.Medium, AttackDay.AddHours(10).AddMinutes(5)),
                ("secrets.unauthorized-access", Categories.UnauthorizedSecretAccess, Severity.Medium, AttackDay.AddHours(10).AddMinutes(20)),
                ("deployment.unapproved-target", Categories.UnapprovedTarget, Severity.Medium, AttackDay.AddHours(10).AddMinutes(35)),
            ],
            result.Findings.OrderBy(f => f.Timestamp).Select(f => (f.Rule, f.Category, f.Severity, f.Timestamp)));
        Assert.All(result.Findings, f => Assert.Equal(("dave-maint", Repository), (f.Entity.Actor, f.Entity.Repository)));
        var byRule = result.Findings.ToDictionary(f => f.Rule);
        Assert.Equal("Collaborator 'x-contractor' added to acme-inc/payments-api", byRule["access.permission-widened"].Title);
        Assert.Equal("'dave-maint' touched secrets of acme-inc/payments-api for the first time", byRule["secrets.unauthorized-access"].Title);
        Assert.Contains("in 12 secret events of its baseline, only 2 actors touched its secrets: alice-sre (8), bob-dev (4).", byRule["secrets.unauthorized-access"].Explanation);
        // A first touch of the secrets is a signal; after the same account's strong finding within the window it is an alert naming it.
        Assert.Contains("Signals after 'Collaborator 'x-contractor' added to acme-inc/payments-api' (access.permission-widened) by this actor within 1 day(s) (risk 30, threshold 60): [first touch of these secrets by this actor, weight 30]", byRule["secrets.unauthorized-access"].Explanation);
        Assert.Equal("First deployment to target 'prod-mirror' (prod-mirror)", byRule["deployment.unapproved-target"].Title);
        Assert.Contains("its 40 earlier deployments went to 2 known target(s)", byRule["deployment.unapproved-target"].Explanation);

        using var store = SqliteStore.Open(Store);
        var incident = Assert.Single(store.QueryIncidents(new IncidentQuery()));
        Assert.Equal(
            ["access.permission-widened", "secrets.unauthorized-access", "deployment.unapproved-target"],
            incident.Findings.Select(f => f.Category));
        Assert.Equal((AttackDay.AddHours(10).AddMinutes(5), AttackDay.AddHours(10).AddMinutes(35)), (incident.FirstSeen, incident.LastSeen));
        Assert.Equal(["dave-maint"], incident.Actors);
        Assert.Equal([Repository], incident.Repositories);
        Assert.Equal(Severity.Medium, incident.Severity);
    }

    [Fact]
    public async Task A_deployment_with_a_url_is_still_one_unapproved_target_finding()
    {
        var (audit, deployments) = History();
        Attack(audit, deployments, url: "https://203.0.113.9");

        var result = await Ingest.RunAsync(Store, [audit.Save(_temp.File("audit-log.jsonl")), deployments.Save(_temp.File("deployments.jsonl"))]);

        // GitHub's created event names the environment, its success status the environment_url: one deployment, one finding.
        Assert.Equal(
            [
                ("access.permission-widened", "-"),
                ("secrets.unauthorized-access", "-"),
                ("deployment.unapproved-target", "prod-mirror"),
            ],
            result.Findings.OrderBy(f => f.Timestamp).Select(f => (f.Category, f.Evidence.FirstOrDefault(e => e.Name == "target" && f.Category == Categories.UnapprovedTarget)?.Value ?? "-")));
        using var store = SqliteStore.Open(Store);
        var incident = Assert.Single(store.QueryIncidents(new IncidentQuery()));
        Assert.Equal(3, incident.Findings.Count);
        Assert.Equal(incident.Findings.OrderBy(f => f.Timestamp).Select(f => f.Fingerprint), incident.Findings.Select(f => f.Fingerprint));
    }

    [Fact]
    public async Task The_cli_shows_the_attack_as_one_incident_with_its_three_findings()
    {
        var (audit, deployments) = History();
        Attack(audit, deployments, url: null);
        var input = Directory.CreateDirectory(_temp.File("exports")).FullName;
        audit.Save(Path.Combine(input, "audit-log.jsonl"));
        deployments.Save(Path.Combine(input, "deployments.jsonl"));
        var cli = new CliRunner(_temp.Path);

        var ingest = await cli.RunAsync("ingest", input, "--format", "json");
        var incidents = await cli.RunAsync("findings", "--incidents", "--format", "json");

        Assert.Equal(1, ingest.ExitCode);
        Assert.Equal(3, ingest.OutputLines.Length);
        Assert.Equal(0, incidents.ExitCode);
        var incident = JsonDocument.Parse(Assert.Single(incidents.OutputLines)).RootElement;
        Assert.Equal(
            ["access.permission-widened", "secrets.unauthorized-access", "deployment.unapproved-target"],
            incident.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("category").GetString()));
        Assert.Equal("2026-10-05T10:05:00.0000000Z", incident.GetProperty("first_seen").GetString());
        Assert.Equal("2026-10-05T10:35:00.0000000Z", incident.GetProperty("last_seen").GetString());
        Assert.Equal(["dave-maint"], incident.GetProperty("actors").EnumerateArray().Select(a => a.GetString()));
    }

    /// <summary>
    /// The story as the issue tells it, with the added outsider acting: the correlator links by the finding's actor, and
    /// the collaborator finding's actor is the account that added it, not the one added, so the story splits in two.
    /// </summary>
    [Fact]
    public async Task The_added_collaborator_acting_itself_joins_the_incident_of_its_addition()
    {
        var (audit, deployments) = History();
        var at = AttackDay.AddHours(16);
        audit.Add(Alice, "repo.add_member", at.AddMinutes(5), Repository, ("user", "x-contractor"), ("permission", "write"));
        audit.Add("x-contractor", "NL", "185.220.101.4", "repo.update_actions_secret", at.AddMinutes(20), Repository, ("name", "AWS_DEPLOY_KEY"));
        deployments.Deploy(at.AddMinutes(35), "x-contractor", environment: "prod-mirror", url: string.Empty);

        var result = await Ingest.RunAsync(Store, [audit.Save(_temp.File("audit-log.jsonl")), deployments.Save(_temp.File("deployments.jsonl"))]);

        Assert.Equal(
            [("access.permission-widened", "alice-sre"), ("secrets.unauthorized-access", "x-contractor"), ("deployment.unapproved-target", "x-contractor")],
            result.Findings.OrderBy(f => f.Timestamp).Select(f => (f.Category, f.Entity.Actor)));
        Assert.Equal("x-contractor", result.Findings.Single(f => f.Category == Categories.PermissionWidened).Evidence.Single(e => e.Name == "target").Value);
        using var store = SqliteStore.Open(Store);
        var incident = Assert.Single(store.QueryIncidents(new IncidentQuery()));
        Assert.Equal(
            ["access.permission-widened", "secrets.unauthorized-access", "deployment.unapproved-target"],
            incident.Findings.Select(f => f.Category));
        Assert.Equal(["alice-sre", "x-contractor"], incident.Actors);
    }

    public void Dispose() => _temp.Dispose();

    private string Store => _temp.File("store.db");

    /// <summary>
    /// Four weeks of weekdays: each person logs in and clones, pushes, merges and fetches in their working day; Alice
    /// rotates NPM_TOKEN on Tuesdays and Thursdays, Bob the production DEPLOY_KEY on Mondays, Dave never touches secrets;
    /// two deployments to production a day by Alice and Bob, each reviewed.
    /// </summary>
    private static (AuditLogFile Audit, DeploymentHistory Deployments) History()
    {
        var audit = new AuditLogFile();
        for (var day = 0; day < 28; day++)
        {
            var date = Start.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            foreach (var (who, firstHour) in Staff)
            {
                for (var i = 0; i < DailyActions.Length; i++)
                {
                    audit.Add(who, DailyActions[i], date.AddHours(firstHour + i + (i == 0 ? 0 : 1)).AddMinutes((day % 7 * 4) + i), Repository);
                }
            }

            if (date.DayOfWeek is DayOfWeek.Tuesday or DayOfWeek.Thursday)
            {
                audit.Add(Alice, "repo.update_actions_secret", date.AddHours(16).AddMinutes(30), Repository, ("name", "NPM_TOKEN"));
            }

            if (date.DayOfWeek is DayOfWeek.Monday)
            {
                audit.Add(Bob, "environment.update_actions_secret", date.AddHours(10).AddMinutes(15), Repository, ("name", "DEPLOY_KEY"), ("environment_name", "production"));
            }
        }

        return (audit, new DeploymentHistory(Repository).Normal(4, Alice.Login, Bob.Login));
    }

    /// <summary>From Dave's usual place and hours, 15 minutes apart: an outside collaborator added, a secret changed, a deployment to a new environment.</summary>
    private static void Attack(AuditLogFile audit, DeploymentHistory deployments, string? url)
    {
        var at = AttackDay.AddHours(10);
        audit.Add(Dave, "repo.add_member", at.AddMinutes(5), Repository, ("user", "x-contractor"), ("permission", "write"));
        audit.Add(Dave, "repo.update_actions_secret", at.AddMinutes(20), Repository, ("name", "AWS_DEPLOY_KEY"));
        deployments.Deploy(at.AddMinutes(35), Dave.Login, environment: "prod-mirror", url: url ?? string.Empty);
    }
}
