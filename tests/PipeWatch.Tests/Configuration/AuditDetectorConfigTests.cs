using PipeWatch.Configuration;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Engine;
using Xunit;

namespace PipeWatch.Tests.Configuration;

public sealed class AuditDetectorConfigTests
{
    [Fact]
    public void Every_key_of_the_audit_detectors_maps_to_its_option()
    {
        var config = ConfigLoader.Parse(
            """
            min-samples: 30
            detectors:
              secrets.unauthorized-access:
                broad-scopes: [repo, "admin:*"]
              access.suspicious-login:
                failure-burst: 8
                failure-window: 15m
                report-new-ip: false
                max-speed-kmh: 1000
                min-distance-km: 300
                min-hour-samples: 100
                max-hour-share: 0.02
              access.permission-widened:
                enabled: false
                webhook-domains: [slack.com, ci.example.com]
            """,
            "pipewatch.yml");

        Assert.Equal(30, config.Options<UnauthorizedSecretAccessOptions>().MinimumSamples);
        Assert.Equal(["repo", "admin:*"], config.Options<UnauthorizedSecretAccessOptions>().BroadScopes);
        Assert.Equal(30, config.Options<SuspiciousLoginOptions>().MinimumSamples);
        Assert.Equal(8, config.Options<SuspiciousLoginOptions>().FailureBurst);
        Assert.Equal(TimeSpan.FromMinutes(15), config.Options<SuspiciousLoginOptions>().FailureWindow);
        Assert.False(config.Options<SuspiciousLoginOptions>().ReportNewIp);
        Assert.Equal(1000, config.Options<SuspiciousLoginOptions>().MaximumSpeedKmh);
        Assert.Equal(300, config.Options<SuspiciousLoginOptions>().MinimumDistanceKm);
        Assert.Equal(100, config.Options<SuspiciousLoginOptions>().MinimumHourSamples);
        Assert.Equal(0.02, config.Options<SuspiciousLoginOptions>().MaximumHourShare);
        Assert.Equal(["slack.com", "ci.example.com"], config.Options<PermissionWidenedOptions>().WebhookDomains);
        Assert.Contains("access.permission-widened", config.Disabled);
    }

    [Fact]
    public void Unknown_and_bad_keys_are_all_reported()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            detectors:
              access.suspicious-login:
                failure-bursts: 8
                report-new-ip: maybe
              access.permission-widened:
                webhook-domains:
                  internal: hooks.example.com
            """,
            "pipewatch.yml"));

        Assert.Equal(
            [
                "pipewatch.yml:3: unknown key 'detectors.access.suspicious-login.failure-bursts' (expected one of: enabled, failure-burst, failure-window, min-samples, report-new-ip, max-speed-kmh, min-distance-km, min-hour-samples, max-hour-share)",
                "pipewatch.yml:4: detectors.access.suspicious-login.report-new-ip: expected true or false",
                "pipewatch.yml:7: detectors.access.permission-widened.webhook-domains: expected a list of values",
            ],
            error.Problems);
    }
}
