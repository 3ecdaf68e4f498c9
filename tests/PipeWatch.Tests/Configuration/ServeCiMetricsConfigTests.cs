using PipeWatch.Configuration;
using PipeWatch.Engine;
using Xunit;

namespace PipeWatch.Tests.Configuration;

/// <summary><c>serve.ci-metrics</c> in pipewatch.yml: each entry names one CI server's Prometheus endpoint; every mistake is reported with its line and key, and a written token never.</summary>
public sealed class ServeCiMetricsConfigTests
{
    [Fact]
    public void An_entry_is_named_by_its_host_and_port_unless_named_and_takes_the_defaults()
    {
        var config = ConfigLoader.Parse(
            """
            serve:
              ci-metrics:
                - url: https://jenkins.example.com/prometheus/
                  token: ${env:JENKINS_METRICS_TOKEN}
                  user: pipewatch
                - url: http://runner-01.example.com:9252/metrics
                - url: http://10.0.0.7:9252/metrics
                  name: runner-07
                  interval: 15s
                  timeout: 3s
            """, "pipewatch.yml");

        Assert.Equal(
            [
                new CiMetricsScrape("jenkins.example.com", "https://jenkins.example.com/prometheus/", "pipewatch", "${env:JENKINS_METRICS_TOKEN}", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)),
                new CiMetricsScrape("runner-01.example.com:9252", "http://runner-01.example.com:9252/metrics", null, null, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)),
                new CiMetricsScrape("runner-07", "http://10.0.0.7:9252/metrics", null, null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(3)),
            ],
            config.Serve.CiMetrics);
    }

    [Fact]
    public void A_written_token_credentials_in_the_url_bad_bounds_a_missing_url_and_a_repeated_name_are_each_reported()
    {
        const string Written = "glrt-not-a-real-token-but-written-in-the-file";
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            $"""
            serve:
              ci-metrics:
                - url: https://jenkins.example.com/prometheus/
                  token: {Written}
                - url: https://admin:hunter2@jenkins.example.com/prometheus/
                - url: ftp://runner/metrics
                  interval: 0s
                  timeout: 10m
                - name: 'a b'
                - url: http://runner-01:9252/metrics
                  user: pipewatch
                  scheme: https
                - url: http://runner-01:9252/metrics
            """, "pipewatch.yml"));

        Assert.Equal(
            [
                "pipewatch.yml:4: serve.ci-metrics[0].token: give the token as ${env:NAME} (a token written in pipewatch.yml is refused)",
                "pipewatch.yml:5: serve.ci-metrics[1].url: the URL holds credentials (not shown); give a token as token: ${env:NAME}",
                "pipewatch.yml:6: serve.ci-metrics[2].url: expected an http(s) URL, got 'ftp://runner/metrics'",
                "pipewatch.yml:7: serve.ci-metrics[2].interval: expected a duration from 1s to 1d",
                "pipewatch.yml:8: serve.ci-metrics[2].timeout: expected a duration from 1s to 5m",
                "pipewatch.yml:9: serve.ci-metrics[3].name: expected a name of 1 to 100 letters, digits and '-._:', got 'a b'",
                "pipewatch.yml:9: serve.ci-metrics[3]: 'url' is required (Jenkins' https://HOST/prometheus/, GitLab Runner's http://HOST:9252/metrics)",
                "pipewatch.yml:12: unknown key 'serve.ci-metrics[4].scheme' (expected one of: url, name, user, token, interval, timeout)",
                "pipewatch.yml:10: serve.ci-metrics[4].user: a user needs a token (${env:NAME})",
                "pipewatch.yml:3: serve.ci-metrics: two entries are named 'runner-01:9252' (give each a name: of its own)",
            ],
            error.Problems);
        Assert.DoesNotContain(Written, string.Join('\n', error.Problems), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", string.Join('\n', error.Problems), StringComparison.Ordinal);
    }
}
