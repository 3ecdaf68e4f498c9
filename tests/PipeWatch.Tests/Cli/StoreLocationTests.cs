using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>--store</c> and <c>$PIPEWATCH_STORE</c> name the store by a path or a URI, through the store factory.</summary>
public sealed class StoreLocationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Ingest_and_findings_share_a_store_named_by_a_sqlite_URI()
    {
        var store = Path.Combine(_temp.Path, "state", "pipe watch.db");
        var uri = "sqlite://" + store.Replace(" ", "%20", StringComparison.Ordinal);
        var cli = new CliRunner(_temp.Path);
        var payload = Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json");

        var ingest = await cli.RunAsync("ingest", payload, "--store", uri);
        var findings = await cli.RunAsync("findings", "--store", uri);

        Assert.Equal(0, ingest.ExitCode);
        Assert.StartsWith("ingested 1 file: 1 events", ingest.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(store), "the store is the file the URI names");
        // Exit 0, not 2 with "no store here yet": findings opened the store ingest wrote.
        Assert.Equal(0, findings.ExitCode);
        Assert.DoesNotContain("pipewatch:", findings.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_store_path_in_the_environment_resolves_against_the_working_directory()
    {
        var cli = new CliRunner(_temp.Path, new() { ["PIPEWATCH_STORE"] = "sqlite:relative/store.db" });

        var ingest = await cli.RunAsync("ingest", Corpus.File("github-webhooks", "workflow_run", "completed.payload.json"));

        Assert.Equal(0, ingest.ExitCode);
        Assert.True(File.Exists(Path.Combine(_temp.Path, "relative", "store.db")));
    }

    [Fact]
    public async Task A_PostgreSQL_location_with_a_password_is_a_usage_error_that_does_not_repeat_it()
    {
        var cli = new CliRunner(_temp.Path);

        var ingest = await cli.RunAsync("ingest", Corpus.File("github-webhooks", "workflow_run", "completed.payload.json"), "--store", "postgres://pipewatch:hunter2@db.internal/pipewatch");

        Assert.Equal(2, ingest.ExitCode);
        Assert.Equal(["pipewatch: postgres://pipewatch:***@db.internal/pipewatch: the URI carries a password, which would show in process lists and shell history; give it in PGPASSWORD or a password file (PGPASSFILE, or ?passfile=PATH)"], ingest.ErrorLines);
    }

    public void Dispose() => _temp.Dispose();
}
