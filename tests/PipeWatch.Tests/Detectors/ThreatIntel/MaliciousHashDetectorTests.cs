using PipeWatch.Findings;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.ThreatIntel;

public sealed class MaliciousHashDetectorTests : IDisposable
{
    private const string PoisonIvySha256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Store => _temp.File("store.db");

    private static IReadOnlyList<Finding> Hashes(IngestResult result) => [.. result.Findings.Where(f => f.Rule == "threat-intel.malicious-hash")];

    [Fact]
    public async Task A_runner_process_whose_sha256_is_in_a_stix_bundle_is_reported()
    {
        IntelStore.Import(Store, Corpus.File("intel", "stix", "examples", "indicators-for-C2-with-COA.json"));
        var file = _temp.File("proc.jsonl");
        File.WriteAllText(file,
            $$$"""{"@timestamp":"2026-11-20T10:04:12Z","event":{"category":["process"],"id":"p-1"},"process":{"executable":"/tmp/.x/agent","hash":{"sha256":"{{{PoisonIvySha256.ToUpperInvariant()}}}"}},"ci":{"repository":"acme/api","pipeline":"CI","run_id":"99","job":"build"}}""" + "\n" +
            """{"@timestamp":"2026-11-20T10:04:13Z","event":{"category":["process"],"id":"p-2"},"process":{"executable":"/usr/bin/node","hash":{"sha256":"0f3c5b1a0c8e7d6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29"}},"ci":{"repository":"acme/api","pipeline":"CI","run_id":"99","job":"build"}}""" + "\n");

        var result = await Ingest.RunAsync(Store, [file]);

        var finding = Assert.Single(Hashes(result));
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal("'/tmp/.x/agent' on the runner matches a known-bad SHA256", finding.Title);
        Assert.Equal(new Location("99", file, 1), finding.Location);
        Assert.Equal("runner telemetry field process.hash.sha256", finding.Evidence.Single(e => e.Name == "seen_in").Value);
        Assert.Equal("indicator--a932fcc6-e032-476c-826f-cb970a5a1ade", finding.Evidence.Single(e => e.Name == "feed_reference").Value);
        Assert.Contains("File hash for Poison Ivy variant", finding.Explanation, StringComparison.Ordinal);
        Assert.Equal(["T1195"], finding.Techniques);
    }

    [Fact]
    public async Task A_checksum_printed_in_a_job_log_that_is_an_apt1_md5_is_reported_at_its_line()
    {
        IntelStore.Import(Store, Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"));
        var md5 = File.ReadAllText(Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json")).Split("file:hashes.md5 = '")[1][..32];
        var lines = File.ReadAllText(JobLogFixtures.GitLabTrace).Split('\n');
        lines[17] = $"{md5}  tools/helper.bin";
        var log = _temp.File("9412345679.log");
        File.WriteAllText(log, string.Join('\n', lines.Select(l => l.Replace(JobLogFixtures.GitLabToken, "[MASKED]", StringComparison.Ordinal))));

        var finding = Assert.Single(Hashes(await Ingest.RunAsync(Store, [log])));

        Assert.Equal("A hash printed in job '9412345679', step 'step_script' matches a known-bad MD5", finding.Title);
        Assert.Equal(18, finding.Location.Line);
        Assert.Equal(md5, finding.Evidence.Single(e => e.Name == "indicator").Value);
    }

    [Fact]
    public async Task Ordinary_telemetry_and_logs_raise_nothing()
    {
        IntelStore.Import(Store, Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"), Corpus.File("intel", "misp", "existing_event.json"));
        var file = _temp.File("files.jsonl");
        File.WriteAllText(file, """{"@timestamp":"2026-11-20T10:04:12Z","event":{"category":"file","id":"f-1"},"file":{"path":"/home/runner/work/api/dist/app.js","hash":{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","md5":"d41d8cd98f00b204e9800998ecf8427e"}}}""" + "\n");

        var result = await Ingest.RunAsync(Store, [file, JobLogFixtures.GitHubMaskedLog, JobLogFixtures.JenkinsLog]);

        Assert.Empty(Hashes(result));
    }
}
