using PipeWatch.Configuration;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Sinks.Syslog;
using PipeWatch.Sinks.Webhook;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Configuration;

public sealed class AlertsReaderTests
{
    // Issue 15's example, as written.
    private const string IssueExample = """
        alerts:
          routes:
            - name: soc-webhook
              sink: webhook
              url: http://127.0.0.1:9099/pipewatch
              min-severity: medium
            - name: siem
              sink: syslog
              host: 127.0.0.1
              port: 5514
              protocol: udp
              format: cef
        """;

    [Fact]
    public void The_issue_example_reads_as_two_routes_with_their_sinks_and_filter()
    {
        var alerts = ConfigLoader.Parse(IssueExample, "pipewatch.yml").Alerts;

        Assert.Equal(["soc-webhook", "siem"], alerts.Routes.Select(r => r.Name));
        var webhook = alerts.Routes[0];
        Assert.Equal("webhook", webhook.Sink);
        Assert.Equal("http://127.0.0.1:9099/pipewatch", ((WebhookSinkOptions)webhook.Settings).Url);
        Assert.Equal(Severity.Medium, webhook.Filter.MinimumSeverity);
        var syslog = (SyslogSinkOptions)alerts.Routes[1].Settings;
        Assert.Equal(("127.0.0.1", 5514, "udp", "cef"), (syslog.Host, syslog.Port, syslog.Protocol, syslog.Format));
        Assert.Equal(RouteFilter.All, alerts.Routes[1].Filter);
    }

    [Fact]
    public async Task The_issue_example_delivers_to_a_webhook_on_port_9099_and_to_rsyslog_on_udp_5514()
    {
        await using var webhook = new LoopbackHttpServer(port: 9099);
        using var rsyslog = new RsyslogDaemon(udpPort: 5514);
        var router = RouteHarness.Router(IssueExample);
        var high = new Alert(FindingJsonTests.Full);
        var low = new Alert(FindingJsonTests.Full with { Severity = Severity.Low, Fingerprint = "low0000000000000000000000000000" });

        foreach (var route in router.Routes) await route.EmitAsync([high, low], TestContext.Current.CancellationToken);
        foreach (var route in router.Routes) await route.CompleteAsync(TestContext.Current.CancellationToken);

        var request = Assert.Single(webhook.Requests);
        Assert.Equal("/pipewatch", request.Path);
        var sent = Assert.Single(request.Json().RootElement.GetProperty("alerts").EnumerateArray());
        Assert.Equal("abc3cda40cc41f08c47abe68e16d5be6", sent.GetProperty("finding").GetProperty("fingerprint").GetString());
        var lines = await rsyslog.LinesAsync(2);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Contains("|CEF:0|PipeWatch|PipeWatch|1.2.3|pipeline.long-duration|", l, StringComparison.Ordinal));
    }

    [Fact]
    public void A_route_with_every_filter_and_rate_key_reads_them_all()
    {
        var route = Assert.Single(ConfigLoader.Parse("""
            alerts:
              routes:
                - name: chat
                  sink: slack
                  url: ${env:SLACK_URL}
                  categories: [secrets.*, code-change.pipeline-tampering]
                  min-severity: high
                  repositories: octo-org/*
                  rules: [secrets.*]
                  incident-only: true
                  throttle:
                    max: 10
                    window: 1m
                  group: incident
                  group-window: 10m
                  timeout: 5s
                  max-attempts: 3
            """, "pipewatch.yml").Alerts.Routes);

        Assert.Equal((Severity.High, true), (route.Filter.MinimumSeverity, route.Filter.IncidentOnly));
        Assert.Equal(["secrets.*"], route.Filter.Rules);
        Assert.Equal(["secrets.*", "code-change.pipeline-tampering"], route.Filter.Categories);
        Assert.Equal(["octo-org/*"], route.Filter.Repositories);
        Assert.Equal((10, TimeSpan.FromMinutes(1), true, TimeSpan.FromMinutes(10)), (route.Rate.ThrottleMax, route.Rate.ThrottleWindow, route.Rate.GroupByIncident, route.Rate.GroupWindow));
        Assert.Equal((TimeSpan.FromSeconds(5), 3), (route.Timeout, route.MaxAttempts));
        Assert.Equal("${env:SLACK_URL}", ((PipeWatch.Sinks.Slack.SlackSinkOptions)route.Settings).Url);
    }

    [Fact]
    public void Every_problem_in_the_routes_is_reported_with_its_line_and_key()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            alerts:
              routes:
                - name: a
                  sink: pager
                - name: b
                  sink: webhook
                  min-severity: urgent
                  colour: red
                - sink: slack
                  url: http://127.0.0.1/x
                - name: d
                  sink: slack
                  url: http://127.0.0.1/x
                  digest: 5m
                  throttle: {max: 5}
                - name: d
                  sink: syslog
                  host: 127.0.0.1
                  protocol: sctp
            """, "pipewatch.yml"));

        Assert.Equal(
            [
                "pipewatch.yml:4: alerts.routes[0].sink: unknown sink 'pager' (expected one of webhook, slack, teams, pagerduty, email, syslog, splunk-hec, elasticsearch, ocsf)",
                "pipewatch.yml:8: unknown key 'alerts.routes[1].colour' (expected one of: url, secret, headers)",
                "pipewatch.yml:5: alerts.routes[1]: sink 'webhook' needs 'url'",
                "pipewatch.yml:7: alerts.routes[1].min-severity: expected info, low, medium, high or critical, got 'urgent'",
                "pipewatch.yml:9: alerts.routes[2]: a route needs a 'name'",
                "pipewatch.yml:11: alerts.routes[3]: a route has either a throttle or a digest, not both",
                "pipewatch.yml:19: alerts.routes[4].protocol: expected one of udp, tcp, tls, got 'sctp'",
                "pipewatch.yml:2: alerts.routes: the name 'd' is used by 2 routes; names must be unique",
            ],
            error.Problems);
    }

    [Fact]
    public void A_secret_named_by_an_environment_variable_that_is_not_set_fails_the_route_naming_the_variable_not_a_value()
    {
        var error = Assert.Throws<RouteException>(() => RouteHarness.Router("""
            alerts:
              routes:
                - name: chat
                  sink: slack
                  url: ${env:SLACK_WEBHOOK_URL}
            """));

        Assert.Equal("alerts route 'chat': url names the environment variable SLACK_WEBHOOK_URL, which is not set", error.Message);
    }

    [Fact]
    public void No_alerts_section_means_no_routes()
    {
        Assert.Empty(ConfigLoader.Parse("min-samples: 5", "pipewatch.yml").Alerts.Routes);
    }
}
