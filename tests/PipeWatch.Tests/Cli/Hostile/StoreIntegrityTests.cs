using PipeWatch.Cli;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// A store with corrupted pages was used silently (exit 0, most baseline rows unreachable); a negative schema version and a
/// dropped table crashed with a trace; <c>findings</c> failed on a store it could only read. Each is now one line naming
/// the store, what is wrong and how to recover, or (read-only) just works.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StoreIntegrityTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        // A read-only folder left behind would keep the temp folder from being deleted.
        if (Directory.Exists(_temp.File("ro"))) File.SetUnixFileMode(_temp.File("ro"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _temp.Dispose();
    }

    [Fact]
    public async Task A_store_with_corrupted_pages_is_refused_with_one_line_saying_how_to_recover()
    {
        var store = await DemoStoreAsync(_temp.File("store.db"));
        Corrupt(store);

        var result = await new CliRunner(_temp.Path).RunAsync("findings", "--store", store);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"pipewatch: {store}: the store is damaged (", line, StringComparison.Ordinal);
        Assert.Contains("'pipewatch store check'", line, StringComparison.Ordinal);
        Assert.Contains(".recover", line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Store_check_finds_the_damage_and_passes_a_sound_store()
    {
        var sound = await DemoStoreAsync(_temp.File("sound.db"));
        var damaged = await DemoStoreAsync(_temp.File("damaged.db"));
        Corrupt(damaged);

        var ok = await new CliRunner(_temp.Path).RunAsync("store", "check", "--store", sound);
        var bad = await new CliRunner(_temp.Path).RunAsync("store", "check", "--store", damaged);

        Assert.Equal(ExitCodes.Ok, ok.ExitCode);
        Assert.Matches(@"^store ok: .*sound\.db: schema version \d+, \d+ findings, \d+ baselines, integrity_check ok$", Assert.Single(ok.ErrorLines));
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.StartsWith($"pipewatch: {damaged}: the store is damaged (", bad.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_schema_version_is_refused_without_a_trace()
    {
        var store = await DemoStoreAsync(_temp.File("store.db"));
        SqliteFile.Execute(store, "PRAGMA user_version = -5");

        var result = await new CliRunner(_temp.Path).RunAsync("findings", "--store", store);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal(
            $"pipewatch: {store}: schema version -5 is not one PipeWatch writes (the file was changed by another program); restore it from a backup, or move it away to start a new store",
            Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task A_dropped_table_is_refused_without_a_trace()
    {
        var store = await DemoStoreAsync(_temp.File("store.db"));
        SqliteFile.Execute(store, "DROP TABLE baselines");

        var findings = await new CliRunner(_temp.Path).RunAsync("findings", "--store", store);
        var ingest = await new CliRunner(_temp.Path).RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), "--store", store);

        foreach (var result in new[] { findings, ingest })
        {
            Assert.Equal(ExitCodes.Usage, result.ExitCode);
            Assert.StartsWith($"pipewatch: {store}: the store is damaged (table missing: baselines)", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Findings_lists_a_store_in_a_read_only_file()
    {
        var store = await DemoStoreAsync(_temp.File("store.db"));
        var expected = await new CliRunner(_temp.Path).RunAsync("findings", "--store", store, "--format", "json");
        File.SetUnixFileMode(store, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        // The folder stays writable for whoever runs the command: only the file is read-only.
        File.SetUnixFileMode(_temp.Path, (UnixFileMode)0b111_111_111);

        var result = await RunAsUnprivilegedAsync(_temp.Path, "findings", "--store", store, "--format", "json");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(expected.Output, result.Output);
        Assert.NotEmpty(expected.OutputLines);
    }

    [Fact]
    public async Task Findings_lists_a_store_in_a_read_only_folder_and_ingest_says_it_cannot_write()
    {
        Directory.CreateDirectory(_temp.File("ro"));
        var store = await DemoStoreAsync(Path.Combine(_temp.File("ro"), "store.db"));
        var expected = await new CliRunner(_temp.Path).RunAsync("findings", "--store", store, "--format", "json");
        File.SetUnixFileMode(_temp.File("ro"), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Assert.False(File.Exists(store + "-wal"));

        var listed = await RunAsUnprivilegedAsync(_temp.Path, "findings", "--store", store, "--format", "json");
        var ingested = await RunAsUnprivilegedAsync(_temp.Path, "ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "attack"), "--store", store);

        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.Equal(expected.Output, listed.Output);
        Assert.Equal(ExitCodes.Usage, ingested.ExitCode);
        Assert.Contains($"pipewatch: {store}: cannot write the store (SQLite Error 8: 'attempt to write a readonly database')", ingested.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", ingested.Error, StringComparison.Ordinal);
    }

    private static async Task<string> DemoStoreAsync(string path)
    {
        await Ingest.RunAsync(path, [Path.Combine(Corpus.RepositoryRoot, "samples", "demo")]);
        return path;
    }

    // Garbage over the middle pages (the header and schema page are left alone, so SQLite opens the file as before).
    private static void Corrupt(string store)
    {
        Assert.False(File.Exists(store + "-wal") && new FileInfo(store + "-wal").Length > 0, "the store was not checkpointed");
        var length = new FileInfo(store).Length;
        Assert.True(length > 16 * 4096, $"the demo store is {length} bytes");
        using var file = new FileStream(store, FileMode.Open, FileAccess.Write);
        var junk = new byte[4096 * 4];
        new Random(22).NextBytes(junk);
        file.Position = (length / 4096 / 2) * 4096;
        file.Write(junk);
    }

    /// <summary>The CLI as a child process that file modes apply to: as root (this machine's test user), dropped to nobody.</summary>
    private static Task<CliResult> RunAsUnprivilegedAsync(string workingDirectory, params string[] args) =>
        Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
            ? CliProcess.RunAsAsync(65534, workingDirectory, args)
            : CliProcess.RunAsync(workingDirectory, null, null, TimeSpan.FromMinutes(1), args);
}
