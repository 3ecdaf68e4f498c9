using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// A pull request that commits <c>pipewatch.sarif</c> (or any output name) as a symlink cannot make a scan write through it:
/// outputs are resolved against the working directory, and a link at the output path is replaced, not followed.
/// </summary>
public sealed class OutputSymlinkTests : IDisposable
{
    private const string Token = "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";
    private const string Victim = "precious: do not overwrite\n";
    private readonly TestRepository _repo = new();
    private readonly TempFolder _outside = new();
    private readonly TempFolder _work = new();

    public OutputSymlinkTests()
    {
        File.WriteAllText(_outside.File("victim.txt"), Victim);
        _repo.Write("a.env", $"GH_TOKEN={Token}\n");
        foreach (var name in new[] { "pipewatch.sarif", "out.json", "report.json", "baseline.json" })
        {
            File.CreateSymbolicLink(Path.Combine(_repo.Path, name), _outside.File("victim.txt"));
        }

        _repo.Commit("links where pipewatch writes");
    }

    public void Dispose()
    {
        _repo.Dispose();
        _outside.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task Outputs_of_a_scan_go_to_the_working_directory_not_into_the_scanned_repository()
    {
        var result = await new CliRunner(_work.Path).RunAsync("scan", _repo.Path, "--report", "sarif=pipewatch.sarif", "--format", "json", "--output", "out.json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(Victim, File.ReadAllText(_outside.File("victim.txt")));
        Assert.Contains("\"version\":\"2.1.0\"", File.ReadAllText(_work.File("pipewatch.sarif")).Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("github-pat", File.ReadAllText(_work.File("out.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symlink_where_an_output_is_written_is_replaced_by_the_file_and_its_target_is_untouched()
    {
        // In CI the working directory is the checkout: the links are where the outputs go.
        var cli = new CliRunner(_repo.Path);

        var scan = await cli.RunAsync("scan", ".", "--report", "sarif=pipewatch.sarif", "--format", "json", "--output", "out.json");
        var baseline = await cli.RunAsync("scan", ".", "--write-baseline", "baseline.json");
        File.WriteAllText(_work.File("events.jsonl"), """{"@timestamp":"2026-11-20T10:05:00Z","event":{"category":"process","id":"p"},"process":{"command_line":"make"}}""" + "\n");
        var ingest = await cli.RunAsync("ingest", _work.File("events.jsonl"), "--format", "json", "--output", "report.json", "--store", _work.File("store.db"));

        Assert.Equal(1, scan.ExitCode);
        Assert.Equal(0, baseline.ExitCode);
        Assert.Equal(0, ingest.ExitCode);
        Assert.Equal(Victim, File.ReadAllText(_outside.File("victim.txt")));
        foreach (var name in new[] { "pipewatch.sarif", "out.json", "baseline.json", "report.json" })
        {
            var written = new FileInfo(Path.Combine(_repo.Path, name));
            Assert.Null(written.LinkTarget);
            Assert.NotEqual(Victim, File.ReadAllText(written.FullName));
        }

        Assert.Empty(Directory.GetFiles(_repo.Path, "*.tmp", SearchOption.TopDirectoryOnly));
    }

    [Fact]
    public async Task A_device_named_as_the_output_is_written_in_place_never_replaced()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("Unix devices");
        // Run as root, replacing /dev/null by a file would break every program on the machine (it happened here once).
        var result = await new CliRunner(_work.Path).RunAsync("scan", _repo.Path, "--format", "json", "--output", "/dev/null");

        var kind = FileKind("/dev/null");
        if (kind != "character special file") RestoreDevNull();
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("character special file", kind);
        Assert.Empty(Directory.GetFiles("/dev", ".null.*.tmp"));
    }

    private static string FileKind(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        var kind = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return kind;
    }

    private static void RestoreDevNull()
    {
        File.Delete("/dev/null");
        using var mknod = System.Diagnostics.Process.Start("mknod", ["-m", "666", "/dev/null", "c", "1", "3"]);
        mknod.WaitForExit();
    }
}
