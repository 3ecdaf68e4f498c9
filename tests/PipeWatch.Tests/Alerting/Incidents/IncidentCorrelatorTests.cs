using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Alerting.Incidents;

/// <summary>Grouping of findings into incidents, through the real store: shared actor or run, within the window, transitively.</summary>
public sealed class IncidentCorrelatorTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();
    private readonly SqliteStore _store;

    public IncidentCorrelatorTests() => _store = SqliteStore.Open(_temp.File("store.db"));

    [Fact]
    public void Findings_of_the_same_actor_within_the_window_are_one_incident()
    {
        Ingest(Finding("a", Minutes(0), actor: "mallory"), Finding("b", Minutes(45), actor: "mallory", repository: "acme/other"));

        var incident = Assert.Single(Incidents());
        Assert.Equal(["a", "b"], Fingerprints(incident));
        Assert.Equal(["mallory"], incident.Actors);
        Assert.Equal(["acme/other", "acme/payments-api"], incident.Repositories);
        Assert.Equal(Minutes(0), incident.FirstSeen);
        Assert.Equal(Minutes(45), incident.LastSeen);
    }

    [Fact]
    public void Actor_names_match_whatever_their_case()
    {
        Ingest(Finding("a", Minutes(0), actor: "Mallory"), Finding("b", Minutes(5), actor: "mallory"));

        Assert.Single(Incidents());
    }

    [Fact]
    public void Findings_of_the_same_actor_two_hours_apart_are_two_incidents_newest_first()
    {
        Ingest(Finding("a", Minutes(0), actor: "mallory"), Finding("b", Minutes(120), actor: "mallory"));

        Assert.Equal([["b"], ["a"]], Incidents().Select(Fingerprints));
    }

    [Fact]
    public void A_wider_window_from_the_options_joins_them()
    {
        Ingest(new IncidentOptions { Window = TimeSpan.FromHours(3) }, Finding("a", Minutes(0), actor: "mallory"), Finding("b", Minutes(120), actor: "mallory"));

        Assert.Single(Incidents());
    }

    [Fact]
    public void A_shared_run_joins_findings_of_different_actors()
    {
        Ingest(Finding("a", Minutes(0), actor: "alice", run: "7100000041"), Finding("b", Minutes(30), actor: "bob", run: "7100000041"));

        var incident = Assert.Single(Incidents());
        Assert.Equal(["alice", "bob"], incident.Actors);
    }

    [Fact]
    public void The_account_acted_upon_links_like_an_actor_in_either_direction()
    {
        // Alice adds Mallory; Mallory then acts; later Mallory's earlier finding is joined by Alice's, out of order.
        Ingest(
            Finding("added", Minutes(0), actor: "alice") with { Entity = new Entity("acme/payments-api", Actor: "alice", Target: "Mallory") },
            Finding("acted", Minutes(20), actor: "mallory"),
            Finding("unrelated", Minutes(25), actor: "bob"));

        var incidents = Incidents();
        Assert.Equal(2, incidents.Count);
        Assert.Equal(["added", "acted"], Fingerprints(incidents.Single(i => i.Findings.Count == 2)));
    }

    [Fact]
    public void The_same_run_id_in_another_repository_is_another_run()
    {
        Ingest(
            Finding("a", Minutes(0), actor: "alice", run: "12"),
            Finding("b", Minutes(1), actor: "bob", run: "12", repository: "acme/other"));

        Assert.Equal(2, Incidents().Count);
    }

    [Fact]
    public void Grouping_is_transitive_and_a_finding_that_links_two_incidents_merges_them()
    {
        // a and c share nothing; b shares the actor with a and the run with c.
        Ingest(Finding("a", Minutes(0), actor: "mallory", run: "1"), Finding("c", Minutes(40), actor: "bob", run: "2"));
        Assert.Equal(2, Incidents().Count);

        Ingest(Finding("b", Minutes(20), actor: "mallory", run: "2"));

        var incident = Assert.Single(Incidents());
        Assert.Equal(["a", "b", "c"], Fingerprints(incident));
        // The incident first seen keeps its id.
        Assert.Equal(IncidentCorrelator.NewId(Finding("a", Minutes(0))), incident.Id);
    }

    [Fact]
    public void Findings_without_an_actor_or_with_a_bot_actor_do_not_join()
    {
        Ingest(
            Finding("a", Minutes(0), actor: null),
            Finding("b", Minutes(1), actor: null),
            Finding("c", Minutes(2), actor: ""),
            Finding("d", Minutes(3), actor: "github-actions[bot]"),
            Finding("e", Minutes(4), actor: "github-actions[bot]"));

        Assert.Equal(5, Incidents().Count);
        Assert.All(Incidents(), i => Assert.Single(i.Findings));
    }

    [Fact]
    public void A_finding_in_a_later_batch_joins_the_open_incident_and_the_timeline_is_ordered_by_timestamp()
    {
        Ingest(Finding("late", Minutes(50), actor: "mallory"));
        Ingest(Finding("early", Minutes(10), actor: "mallory"), Finding("middle", Minutes(30), actor: "mallory", severity: Severity.Critical));

        var incident = Assert.Single(Incidents());
        Assert.Equal(["early", "middle", "late"], Fingerprints(incident));
        Assert.Equal(Severity.Critical, incident.Severity);
        Assert.Equal(Minutes(10), incident.FirstSeen);
        Assert.Equal(Minutes(50), incident.LastSeen);
        Assert.Equal(IncidentCorrelator.NewId(Finding("late", Minutes(50))), incident.Id);
    }

    [Fact]
    public void New_collaborator_then_secret_read_then_deploy_to_a_new_environment_is_one_incident_of_three_findings_in_order()
    {
        // The attack story of issue 6, as the audit and deployment detectors report it: one actor, ten minutes apart.
        var collaborator = Finding("collaborator", Minutes(0), actor: "mallory", category: Categories.UnauthorizedAuthor, severity: Severity.High) with
        {
            Title = "New outside collaborator 'mallory' added with write access",
            Entity = new Entity("acme/payments-api", Actor: "mallory"),
            Location = new Location(),
        };
        var secretRead = Finding("secret-read", Minutes(10), actor: "mallory", category: Categories.UnauthorizedSecretAccess, severity: Severity.High) with
        {
            Title = "Secret 'PROD_DEPLOY_KEY' read by workflow 'debug.yml', which never read it",
            Entity = new Entity("acme/payments-api", "debug.yml", Actor: "mallory"),
            Location = new Location("7200000001"),
        };
        var deploy = Finding("deploy", Minutes(20), actor: "mallory", category: Categories.UnapprovedTarget, severity: Severity.Critical) with
        {
            Title = "Deployment to environment 'prod-eu-2', never deployed to before",
            Entity = new Entity("acme/payments-api", "deploy.yml", Actor: "mallory", Environment: "prod-eu-2"),
            Location = new Location("7200000002"),
        };
        // Unrelated noise at the same time: another actor in another run.
        var noise = Finding("noise", Minutes(15), actor: "alice", run: "7100000099");

        // Detected in another order than they happened, across two batches.
        Ingest(deploy, noise);
        Ingest(secretRead, collaborator);

        var incidents = Incidents();
        var story = Assert.Single(incidents, i => i.Findings.Count > 1);
        Assert.Equal(2, incidents.Count);
        Assert.Equal(
            [Categories.UnauthorizedAuthor, Categories.UnauthorizedSecretAccess, Categories.UnapprovedTarget],
            story.Findings.Select(f => f.Category));
        Assert.Equal(Severity.Critical, story.Severity);
        Assert.Equal(["mallory"], story.Actors);
        Assert.Equal(Minutes(0), story.FirstSeen);
        Assert.Equal(Minutes(20), story.LastSeen);
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    private void Ingest(params Finding[] findings) => Ingest(new IncidentOptions(), findings);

    /// <summary>What the engine does at commit: store the batch's findings, then assign them in time order.</summary>
    private void Ingest(IncidentOptions options, params Finding[] findings)
    {
        var correlator = new IncidentCorrelator(options);
        using var batch = _store.BeginBatch();
        foreach (var finding in findings)
        {
            Assert.True(batch.TryAddFinding(finding));
        }

        foreach (var finding in findings.OrderBy(f => f.Timestamp))
        {
            correlator.Assign(finding, batch);
        }

        batch.Commit();
    }

    private IReadOnlyList<Incident> Incidents() => _store.QueryIncidents(new IncidentQuery());

    private static string[] Fingerprints(Incident incident) => [.. incident.Findings.Select(f => f.Fingerprint)];

    private static DateTimeOffset Minutes(int minutes) => Start.AddMinutes(minutes);

    private static Finding Finding(
        string fingerprint,
        DateTimeOffset timestamp,
        string? actor = "octocat",
        string? run = null,
        string repository = "acme/payments-api",
        string category = Categories.LongDuration,
        Severity severity = Severity.Medium) => new()
    {
        Rule = category,
        Category = category,
        Severity = severity,
        Title = $"Finding {fingerprint}",
        Explanation = "Why it crossed the line.",
        Entity = new Entity(repository, "CI", Actor: actor),
        Location = new Location(run),
        Timestamp = timestamp,
        DetectedAt = Start.AddDays(1),
        Fingerprint = fingerprint,
    };
}
