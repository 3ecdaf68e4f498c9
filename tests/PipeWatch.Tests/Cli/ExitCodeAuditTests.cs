using Microsoft.Extensions.Time.Testing;
using PipeWatch.Cli;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// Every command family, made to fail in a way that is not the input's fault (its standard output or error goes away), exits
/// 3 with the one-line internal error: never 1, which a gate reads as "findings" and <c>rules test</c> as "no match", and never 2.
/// </summary>
public sealed class ExitCodeAuditTests : IDisposable
{
    private const string InternalErrorLine = "pipewatch: internal error: IOException: stdout is gone (a bug in PipeWatch; rerun with --verbose for the trace)";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Ingest_with_its_table_on_a_broken_stdout_exits_3()
    {
        var samples = Path.Combine(Corpus.RepositoryRoot, "samples");

        await AssertInternalErrorAsync("ingest", Path.Combine(samples, "demo"), Path.Combine(samples, "attack"), "--store", _temp.File("store.db"));
    }

    [Fact]
    public async Task Scan_with_its_table_on_a_broken_stdout_exits_3()
    {
        Directory.CreateDirectory(_temp.File("src"));
        File.WriteAllText(_temp.File("src/.env"), "GH_TOKEN=ghp_" + "L5s8KUyJFdhMYUJuBMQLznMCtJUari30Ln8e\n");

        await AssertInternalErrorAsync("scan", "src", "--no-git");
    }

    [Fact]
    public async Task Rules_validate_and_rules_test_on_a_broken_stdout_exit_3()
    {
        File.WriteAllText(_temp.File("bad.yml"), "title: x\nlogsource: {product: github}\ndetection:\n  sel:\n    action|nope: a\n  condition: sel\n");
        File.WriteAllText(_temp.File("rule.yml"), "title: x\nlogsource: {product: github, service: audit}\ndetection:\n  sel:\n    action: repo.destroy\n  condition: sel\n");
        File.WriteAllText(_temp.File("audit.jsonl"), """{"@timestamp": 1763800000000, "_document_id": "a", "action": "repo.destroy", "actor": "alice", "org": "acme", "repo": "acme/old"}""" + "\n");

        await AssertInternalErrorAsync("rules", "validate", "bad.yml");
        await AssertInternalErrorAsync("rules", "test", "rule.yml", "audit.jsonl");
    }

    [Fact]
    public async Task Intel_list_and_vulndb_status_on_a_broken_stdout_exit_3()
    {
        var store = _temp.File("store.db");
        var imported = await new CliRunner(_temp.Path).RunAsync("intel", "import", "--store", store, Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"));
        Assert.Equal(0, imported.ExitCode);

        await AssertInternalErrorAsync("intel", "list", "--store", store);
        await AssertInternalErrorAsync("vulndb", "status", "--db", _temp.File("advisories.db"));
    }

    [Fact]
    public async Task Alerts_test_on_a_broken_stdout_exits_3_not_1()
    {
        // Port 9 (discard) is closed on loopback: the route is refused at once, and the command then says so on stdout.
        File.WriteAllText(_temp.File("pipewatch.yml"), "alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: http://127.0.0.1:9/hook\n      max-attempts: 1\n");

        await AssertInternalErrorAsync("alerts", "test", "soc");
    }

    [Fact]
    public async Task Serve_on_a_broken_stdout_exits_3_and_does_not_blame_the_address()
    {
        var (exit, error) = await RunAsync(new BrokenWriter(), new StringWriter(), "serve", "--urls", "http://127.0.0.1:0", "--store", _temp.File("store.db"));

        Assert.Equal(ExitCodes.InternalError, exit);
        Assert.Equal(InternalErrorLine, Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Agent_with_both_of_its_streams_broken_exits_3_instead_of_crashing()
    {
        var (exit, _) = await RunAsync(new BrokenWriter(), new BrokenWriter(), "agent", "--events", _temp.File("agent.jsonl"), "--mode", "proc", "--", "true");

        Assert.Equal(ExitCodes.InternalError, exit);
    }

    private async Task AssertInternalErrorAsync(params string[] args)
    {
        var (exit, error) = await RunAsync(new BrokenWriter(), new StringWriter(), args);

        Assert.True(exit == ExitCodes.InternalError, $"pipewatch {string.Join(' ', args)} exited {exit}: {error}");
        Assert.Equal(InternalErrorLine, error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    private async Task<(int Exit, string Error)> RunAsync(TextWriter output, TextWriter error, params string[] args)
    {
        var host = new CliHost(output, error, _temp.Path, _ => null, Interactive: false, new FakeTimeProvider(Ingest.Now));
        var exit = await PipeWatchApp.RunAsync(args, host, TestContext.Current.CancellationToken);
        return (exit, error.ToString() ?? string.Empty);
    }
}
