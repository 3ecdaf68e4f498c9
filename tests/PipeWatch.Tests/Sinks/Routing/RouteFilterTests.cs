using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Tests.Findings;
using Xunit;

namespace PipeWatch.Tests.Sinks.Routing;

public sealed class RouteFilterTests
{
    private static readonly Alert Alert = new(FindingJsonTests.Full);

    [Fact]
    public void Category_rule_and_repository_patterns_take_wildcards()
    {
        Assert.True(RouteFilter.All.Matches(Alert));
        Assert.True((RouteFilter.All with { Categories = ["pipeline.*"] }).Matches(Alert));
        Assert.False((RouteFilter.All with { Categories = ["secrets.*"] }).Matches(Alert));
        Assert.True((RouteFilter.All with { Repositories = ["octo-org/*"] }).Matches(Alert));
        Assert.False((RouteFilter.All with { Repositories = ["other-org/*"] }).Matches(Alert));
        Assert.False((RouteFilter.All with { Repositories = ["*"] }).Matches(new Alert(FindingJsonTests.Full with { Entity = new Entity() })));
        Assert.True((RouteFilter.All with { Rules = ["pipeline.long-*"] }).Matches(Alert));
        Assert.False((RouteFilter.All with { Rules = ["secrets.*"] }).Matches(Alert));
    }

    [Fact]
    public void Severity_and_incident_only_are_minimums_that_must_both_hold()
    {
        Assert.True((RouteFilter.All with { MinimumSeverity = Severity.High }).Matches(Alert));
        Assert.False((RouteFilter.All with { MinimumSeverity = Severity.Critical }).Matches(Alert));
        Assert.False((RouteFilter.All with { IncidentOnly = true }).Matches(Alert));
        Assert.True((RouteFilter.All with { IncidentOnly = true }).Matches(Alert with { Incident = new AlertIncident("inc-1", true) }));
    }
}
