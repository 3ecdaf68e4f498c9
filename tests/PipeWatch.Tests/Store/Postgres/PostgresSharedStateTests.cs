using PipeWatch.Alerting.Incidents;
using PipeWatch.Baselines;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Tests.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>State several workers share on one PostgreSQL store (issue 23, item 3): per-actor baselines and incident correlation.</summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresSharedStateTests(PostgresServer server)
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Two_batches_on_two_connections_updating_one_actors_baseline_lose_nothing()
    {
        var location = await server.NewStoreAsync();
        using var first = StoreFactory.Open(location);
        using var second = StoreFactory.Open(location);
        var key = AuthorHours.Key("alice");

        // Both load the actor's (empty) profile before either commits: a plain overwrite would keep only the second's 50.
        using (var a = first.BeginBatch())
        using (var b = second.BeginBatch())
        {
            var setA = new BaselineSet("unusual-time", a);
            var setB = new BaselineSet("unusual-time", b);
            for (var i = 0; i < 100; i++) setA.Get<AuthorHours>(key).Profile.Learn(Monday);
            for (var i = 0; i < 50; i++) setB.Get<AuthorHours>(key).Profile.Learn(Monday.AddHours(5));
            setA.Flush();
            a.Commit();
            setB.Flush();
            b.Commit();
        }

        var profile = Read<AuthorHours>(first, key).Profile;
        Assert.Equal((150, 100, 50), (profile.Total, profile[HourOfWeekProfile.Bucket(Monday)], profile[HourOfWeekProfile.Bucket(Monday.AddHours(5))]));
    }

    [Fact]
    public async Task Two_workers_committing_batches_at_once_into_one_actors_baselines_lose_nothing()
    {
        var location = await server.NewStoreAsync();
        const int Batches = 15;
        const int PerBatch = 20;

        async Task WorkAsync(int worker)
        {
            await Task.Yield();
            using var store = StoreFactory.Open(location);
            for (var batchNumber = 0; batchNumber < Batches; batchNumber++)
            {
                using var batch = store.BeginBatch();
                var set = new BaselineSet("unusual-location", batch);
                for (var i = 0; i < PerBatch; i++)
                {
                    set.Get<AuthorHours>(AuthorHours.Key("alice")).Profile.Learn(Monday.AddHours(worker));
                    set.Get<AuthorPlaces>(AuthorPlaces.Key("alice")).LearnPlace(worker == 0 ? "DE" : "FR", $"192.0.2.{worker}");
                }

                set.Flush();
                await batch.CommitAsync(TestContext.Current.CancellationToken);
            }
        }

        await Task.WhenAll(Task.Run(() => WorkAsync(0), TestContext.Current.CancellationToken), Task.Run(() => WorkAsync(1), TestContext.Current.CancellationToken));

        using var check = StoreFactory.Open(location);
        var hours = Read<AuthorHours>(check, AuthorHours.Key("alice"), "unusual-location").Profile;
        var places = Read<AuthorPlaces>(check, AuthorPlaces.Key("alice"), "unusual-location");
        Assert.Equal(2 * Batches * PerBatch, hours.Total);
        Assert.Equal([Batches * PerBatch, Batches * PerBatch], new[] { hours[HourOfWeekProfile.Bucket(Monday)], hours[HourOfWeekProfile.Bucket(Monday.AddHours(1))] });
        Assert.Equal(2 * Batches * PerBatch, places.PlaceSamples);
        Assert.Equal([new KeyValuePair<string, long>("DE", Batches * PerBatch), new("FR", Batches * PerBatch)], places.Countries);
    }

    [Fact]
    public async Task Incident_correlation_on_two_connections_is_serialized_so_the_second_joins_the_firsts_incident()
    {
        var location = await server.NewStoreAsync();
        using var first = StoreFactory.Open(location);
        using var second = StoreFactory.Open(location);
        var correlator = new IncidentCorrelator(new IncidentOptions());
        Finding By(string fingerprint, int minutes) =>
            SqliteStoreTests.NewFinding(fingerprint, timestamp: Monday.AddMinutes(minutes)) with { Entity = new Entity("octo-org/octo-repo", Actor: "mallory"), Location = new Location() };

        IncidentAssignment secondAssignment;
        using (var a = first.BeginBatch())
        {
            Assert.True(a.TryAddFinding(By("a1", 0)));
            var firstAssignment = correlator.Assign(By("a1", 0), a);

            // The second writer's correlation waits for the first's commit (without the lock it would open an incident of its own).
            var secondWriter = Task.Run(
                () =>
                {
                    using var b = second.BeginBatch();
                    Assert.True(b.TryAddFinding(By("b1", 5)));
                    var assigned = correlator.Assign(By("b1", 5), b);
                    b.Commit();
                    return assigned;
                },
                TestContext.Current.CancellationToken);
            await Task.Delay(500, TestContext.Current.CancellationToken);
            Assert.False(secondWriter.IsCompleted);
            a.Commit();
            secondAssignment = await secondWriter.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(firstAssignment.IsNew);
            Assert.Equal(firstAssignment.Id, secondAssignment.Id);
        }

        Assert.False(secondAssignment.IsNew);
        Assert.Equal([["a1", "b1"]], first.QueryIncidents(new IncidentQuery()).Select(i => i.Findings.Select(f => f.Fingerprint).ToArray()));
    }

    [Fact]
    public async Task Logins_and_the_estates_packages_learned_on_two_connections_at_once_are_both_kept()
    {
        var location = await server.NewStoreAsync();
        using var first = StoreFactory.Open(location);
        using var second = StoreFactory.Open(location);
        const string Scope = "shared";

        // Both load the (empty) states before either commits: a plain overwrite would keep only the second writer's.
        using (var a = first.BeginBatch())
        using (var b = second.BeginBatch())
        {
            var setA = new BaselineSet(Scope, a);
            var setB = new BaselineSet(Scope, b);
            for (var i = 0; i < 30; i++) setA.Get<LoginHistory>("login|mallory").LearnPlace("DE", "192.0.2.1", "token-a", Monday.AddMinutes(i));
            for (var i = 0; i < 20; i++) setB.Get<LoginHistory>("login|mallory").LearnPlace("FR", "198.51.100.7", "token-b", Monday.AddHours(3).AddMinutes(i));
            setA.Get<EstateShard>("estate|3").Learn("left-pad", "octo-org/web");
            setB.Get<EstateShard>("estate|3").Learn("left-pad", "octo-org/api");
            setB.Get<EstateShard>("estate|3").Learn("is-odd", "octo-org/api");
            for (var i = 0; i < 4; i++) setA.Get<EstateRepositories>("estate|repositories").Learn("octo-org/web");
            for (var i = 0; i < 6; i++) setB.Get<EstateRepositories>("estate|repositories").Learn("octo-org/api");
            setA.Flush();
            a.Commit();
            setB.Flush();
            b.Commit();
        }

        var login = Read<LoginHistory>(first, "login|mallory", Scope);
        Assert.Equal(50, login.Located);
        Assert.Equal(["DE", "FR"], login.Countries.Order());
        Assert.Equal(["token-a", "token-b"], login.Tokens.Order());
        Assert.Equal(("FR", Monday.AddHours(3).AddMinutes(19)), (login.LastCountry, login.LastCountryAt));
        var shard = Read<EstateShard>(first, "estate|3", Scope);
        Assert.Equal(["octo-org/api", "octo-org/web"], shard.UsedBy("left-pad").Order());
        Assert.Equal(["octo-org/api"], shard.UsedBy("is-odd"));
        Assert.Equal(["octo-org/api", "octo-org/web"], Read<EstateRepositories>(first, "estate|repositories", Scope).Names.Order());
    }

    private static T Read<T>(IStore store, string key, string scope = "unusual-time") where T : class, IBaseline<T>
    {
        using var batch = store.BeginBatch();
        return new BaselineSet(scope, batch).Get<T>(key);
    }
}
