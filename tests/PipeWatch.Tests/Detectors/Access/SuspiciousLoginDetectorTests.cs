using PipeWatch.Detectors.Access;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Support.AuditHistory;

namespace PipeWatch.Tests.Detectors.Access;

public sealed class SuspiciousLoginDetectorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public void Country_centroids_are_real_distances()
    {
        var us = CountryCentroids.Find("US")!;
        var ru = CountryCentroids.Find("RU")!;
        var de = CountryCentroids.Find("DE")!;
        var fr = CountryCentroids.Find("FR")!;

        Assert.InRange(CountryCentroids.DistanceKm(us, ru), 8_500, 9_500);
        Assert.InRange(CountryCentroids.DistanceKm(de, fr), 650, 800);
        Assert.Equal("Russia", ru.Name);
    }

    [Fact]
    public async Task Four_weeks_of_normal_logins_raise_nothing()
    {
        var events = Normal();
        events.Add(Alice.Does("user.login", After.AddHours(14)));
        events.Add(Bob.Does("user.login", After.AddHours(8)));

        var result = await RunAsync(_temp.File("store.db"), events);

        Assert.Empty(result.Problems);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_burst_of_failed_logins_is_one_finding()
    {
        var events = Normal();
        for (var i = 0; i < 8; i++)
        {
            events.Add(Audit("user.failed_login", Alice.Login, After.AddHours(3).AddSeconds(40 * i), "RU", "45.134.26.17"));
        }

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Categories.SuspiciousLogin, finding.Category);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("alice-sre", finding.Entity.Actor);
        Assert.Equal(
            "'alice-sre' had 5 failed logins or token failures in 2.7 minutes from 45.134.26.17 (RU), last 'user.failed_login' (threshold 5 within 10 minutes).",
            finding.Explanation);
        Assert.Equal(["T1110"], finding.Techniques);
    }

    [Fact]
    public async Task Four_failed_logins_are_not_a_burst()
    {
        var events = Normal();
        for (var i = 0; i < 4; i++) events.Add(Audit("user.failed_login", Alice.Login, After.AddHours(15).AddMinutes(i), "US", Alice.Ip));

        var result = await RunAsync(_temp.File("store.db"), events);

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task United_States_to_Russia_within_an_hour_is_impossible_travel()
    {
        var events = Normal();
        events.Add(Alice.Does("user.login", After.AddHours(14)));
        events.Add(Audit("user.login", Alice.Login, After.AddHours(14).AddMinutes(50), "RU", "45.134.26.17"));

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("Impossible travel for 'alice-sre': United States → Russia", finding.Title);
        Assert.Matches(@"^'alice-sre' acted from United States \(US\) at .* and from Russia \(RU\) at .*: 9\d{3} km between country centroids in 0\.83 h is \d+ km/h \(limit 900 km/h\)\.", finding.Explanation);
        Assert.Contains("acted from RU (45.134.26.17) for the first time; the baseline holds 89 located events from 1 countries (US).", finding.Explanation);
        Assert.Equal("impossible-travel,new-country", finding.Evidence.Single(e => e.Name == "signal").Value);
    }

    [Fact]
    public async Task Germany_to_France_in_three_hours_is_a_new_country_but_not_impossible_travel()
    {
        var events = Normal();
        events.Add(Bob.Does("user.login", After.AddHours(8)));
        events.Add(Audit("user.login", Bob.Login, After.AddHours(11), "FR", "92.184.105.20"));

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.Medium, finding.Severity);
        Assert.Equal("new-country", finding.Evidence.Single(e => e.Name == "signal").Value);
        Assert.Equal("'bob-dev' acted from FR (92.184.105.20) for the first time; the baseline holds 85 located events from 1 countries (DE).", finding.Explanation);
    }

    [Fact]
    public async Task Activity_at_an_hour_the_actor_never_works_is_reported()
    {
        var events = Normal();
        events.Add(Alice.Does("git.clone", After.AddDays(-1).AddHours(3)));

        var result = await RunAsync(_temp.File("store.db"), events);

        // An unusual hour alone is a behavioural signal: recorded with its weight, raised only with others (Alerting/Signals).
        var finding = Assert.Single(result.Findings);
        Assert.Equal((Severity.Info, "unusual-hour", "25"), (finding.Severity, finding.Evidence.Single(e => e.Name == "signal").Value, finding.Evidence.Single(e => e.Name == "weight").Value));
        Assert.Equal("'alice-sre' active at an unusual hour (Sunday 03:00 UTC)", finding.Title);
        Assert.Equal(
            "'alice-sre' did 'git.clone' on Sunday 03:00 UTC; of their 88 events in the baseline none fell within an hour of that time of week " +
            "and 0 (0%) at 03:00 on any day (limit 1%).",
            finding.Explanation);
    }

    [Fact]
    public async Task A_new_token_used_from_a_new_address_is_high()
    {
        var events = Normal();
        events.Add(Audit("git.clone", Alice.Login, After.AddHours(15), "US", "5.6.7.8",
            fields: [("github.programmatic_access_type", "OAuth access token"), ("github.token_id", "0123456789")]));

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("New token of 'alice-sre' used from a new place", finding.Title);
        Assert.StartsWith("A token 'alice-sre' never used before (OAuth access token) was used from a new IP address (5.6.7.8, US)", finding.Explanation);
        Assert.Equal("new-ip,new-token-new-place", finding.Evidence.Single(e => e.Name == "signal").Value);
    }

    public void Dispose() => _temp.Dispose();
}
