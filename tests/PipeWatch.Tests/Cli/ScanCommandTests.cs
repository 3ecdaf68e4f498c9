using System.Text.Json;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch scan</c> end to end over real repositories: formats, exit codes, selections, baselines, rules, bad usage.</summary>
public sealed class ScanCommandTests : IDisposable
{
    private const string Token = "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";
    private const string AwsKey = "AKIAQWERTYUIOPASDFGH";
    private readonly TestRepository _repo = new();
    private readonly CliRunner _cli;

    public ScanCommandTests() => _cli = new CliRunner(_repo.Path);

    [Fact]
    public async Task Json_lines_carry_rule_category_commit_author_path_line_and_a_redacted_secret_and_exit_1()
    {
        var leak = _repo.Write("ci/deploy.env", $"REGION=eu\nGH_TOKEN={Token}\n").Commit("deploy env");

        var result = await _cli.RunAsync("scan", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        using var line = JsonDocument.Parse(Assert.Single(result.OutputLines));
        var f = line.RootElement;
        Assert.Equal(("github-pat", Categories.HardcodedSecret, "critical"), (f.GetProperty("rule").GetString(), f.GetProperty("category").GetString(), f.GetProperty("severity").GetString()));
        Assert.Equal(("ci/deploy.env", 2, leak), (f.GetProperty("location").GetProperty("file").GetString(), f.GetProperty("location").GetProperty("line").GetInt32(), f.GetProperty("location").GetProperty("commit").GetString()));
        Assert.Equal("Dana Dev", f.GetProperty("entity").GetProperty("actor").GetString());
        Assert.Equal("2026-03-02T09:00:00.0000000Z", f.GetProperty("timestamp").GetString());
        Assert.DoesNotContain(Token, result.Output, StringComparison.Ordinal);
        Assert.Contains("scanned 1 commit of", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_output_path_is_written_in_the_working_directory_not_in_the_scanned_repository()
    {
        _repo.Write("ci/deploy.env", $"GH_TOKEN={Token}\n").Commit("deploy env");
        using var cwd = new TempFolder();

        var result = await new CliRunner(cwd.Path).RunAsync("scan", _repo.Path, "--format", "json", "-o", "reports/../findings.json", "--report", "sarif=findings.sarif");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("\"github-pat\"", File.ReadAllText(Path.Combine(cwd.Path, "findings.json")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(cwd.Path, "findings.sarif")));
        Assert.False(File.Exists(Path.Combine(_repo.Path, "findings.json")));
    }

    [Fact]
    public async Task A_missing_object_is_a_problem_naming_commit_path_and_id_and_the_scan_goes_on()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");
        var broken = _repo.Write("src/app.py", "print('hello')\n").Commit("app");
        var blob = _repo.Git("rev-parse", "HEAD:src/app.py").Trim();
        var leak = _repo.Write("ci/deploy.env", $"GH_TOKEN={Token}\n").Commit("deploy env");
        File.Delete(Path.Combine(_repo.Path, ".git", "objects", blob[..2], blob[2..]));

        var result = await _cli.RunAsync("scan", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        using var line = JsonDocument.Parse(Assert.Single(result.OutputLines));
        Assert.Equal(leak, line.RootElement.GetProperty("location").GetProperty("commit").GetString());
        var problem = Assert.Single(result.ErrorLines, l => l.Contains(blob, StringComparison.Ordinal));
        Assert.Contains("src/app.py", problem, StringComparison.Ordinal);
        Assert.Contains($"commit {broken[..12]}", problem, StringComparison.Ordinal);
        Assert.Contains("scanned 3 commits", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shallow_clone_is_stated()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");
        _repo.Write("README.md", "# demo, again\n").Commit("docs again");
        using var clones = new TempFolder();
        var shallow = Path.Combine(clones.Path, "shallow");
        _repo.Git("clone", "-q", "--depth", "1", "file://" + _repo.Path, shallow);

        var result = await new CliRunner(clones.Path).RunAsync("scan", shallow);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("a shallow clone: history ends at 1 grafted commit", result.Error, StringComparison.Ordinal);
        Assert.Contains("scanned 1 commit", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clean_history_exits_0_with_nothing_on_stdout()
    {
        _repo.Write("README.md", "# demo\n").Commit("docs");

        var result = await _cli.RunAsync("scan");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains("0 findings", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fail_on_compares_with_the_findings_severity()
    {
        _repo.Write("keys.txt", $"aws_access_key_id = {AwsKey}\n").Commit("high only");

        Assert.Equal(0, (await _cli.RunAsync("scan", "--fail-on", "critical")).ExitCode);
        Assert.Equal(1, (await _cli.RunAsync("scan", "--fail-on", "high")).ExitCode);
        Assert.Equal(0, (await _cli.RunAsync("scan", "--fail-on", "none")).ExitCode);
    }

    [Fact]
    public async Task The_table_names_the_file_line_and_commit()
    {
        var leak = _repo.Write("a.env", $"GH_TOKEN={Token}\n").Commit("leak");

        var result = await _cli.RunAsync("scan");

        Assert.Contains($"a.env:1 {leak[..12]}", result.Output, StringComparison.Ordinal);
        Assert.Contains("secrets.hardcoded", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Range_reports_only_the_pushed_commits()
    {
        _repo.Write("old.env", $"GH_TOKEN={Token}\n").Commit("old leak");
        var before = _repo.Write("b.txt", "b\n").Commit("clean");
        var pushed = _repo.Write("new.env", $"aws_access_key_id = {AwsKey}\n").Commit("new leak");

        var result = await _cli.RunAsync("scan", "--range", $"{before}..{pushed}", "--format", "json");

        using var line = JsonDocument.Parse(Assert.Single(result.OutputLines));
        Assert.Equal(pushed, line.RootElement.GetProperty("location").GetProperty("commit").GetString());
        Assert.Contains("scanned 1 commit", result.Error, StringComparison.Ordinal);
        Assert.Contains("2 earlier ones learned from", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Since_all_staged_and_no_git_select_what_is_scanned()
    {
        _repo.Write("early.env", $"GH_TOKEN={Token}\n").Commit("early");
        _repo.Write("late.txt", $"aws_access_key_id = {AwsKey}\n").Commit("late");
        _repo.Checkout("side", create: true);
        _repo.Write("side.env", $"KEY={Token.Replace("ghp_", "gho_", StringComparison.Ordinal)}\n").Commit("side");
        _repo.Checkout("main");
        _repo.Write("staged.txt", $"x\naws_access_key_id = {AwsKey}\n");
        _repo.Git("add", "staged.txt");

        var since = await _cli.RunAsync("scan", "--since", "2026-03-02T09:30:00Z", "--format", "json");
        var all = await _cli.RunAsync("scan", "--all", "--format", "json");
        var staged = await _cli.RunAsync("scan", "--staged", "--format", "json");
        var folder = await _cli.RunAsync("scan", "--no-git", "--format", "json", _repo.Path);

        Assert.Equal(["late.txt"], Files(since));
        Assert.Equal(["early.env", "late.txt", "side.env"], Files(all).Order());
        Assert.Equal(["staged.txt"], Files(staged));
        Assert.Equal(["early.env", "late.txt", "staged.txt"], Files(folder).Order());
    }

    [Fact]
    public async Task A_written_baseline_accepts_the_old_leaks_so_only_new_ones_fail_the_gate()
    {
        _repo.Write("old.env", $"GH_TOKEN={Token}\n").Commit("old leak");
        var baseline = Path.Combine(_repo.Path, ".pipewatch-baseline.json");

        var written = await _cli.RunAsync("scan", "--write-baseline", baseline);
        var quiet = await _cli.RunAsync("scan", "--baseline", baseline);
        var leak = _repo.Write("new.txt", $"aws_access_key_id = {AwsKey}\n").Commit("new leak");
        var loud = await _cli.RunAsync("scan", "--baseline", baseline, "--format", "json");

        Assert.Equal(0, written.ExitCode);
        Assert.Contains("wrote 1 accepted finding", written.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, File.ReadAllText(baseline), StringComparison.Ordinal);
        Assert.Equal(0, quiet.ExitCode);
        Assert.Contains("1 allowed or in the baseline", quiet.Error, StringComparison.Ordinal);
        Assert.Equal(1, loud.ExitCode);
        using var line = JsonDocument.Parse(Assert.Single(loud.OutputLines));
        Assert.Equal(leak, line.RootElement.GetProperty("location").GetProperty("commit").GetString());
    }

    [Fact]
    public async Task A_gitleaks_config_replaces_the_rules()
    {
        _repo.Write("a.env", $"GH_TOKEN={Token}\nINTERNAL=corp_live_4f9a8b7c6d5e4f3a2b1c\n").Commit("two secrets");
        File.WriteAllText(Path.Combine(_repo.Path, "gitleaks.toml"), """
            title = "corp rules"

            [[rules]]
            id = "corp-live-key"
            description = "Corp live API key"
            regex = '''corp_live_[0-9a-f]{20}'''
            keywords = ["corp_live_"]
            """);

        var result = await _cli.RunAsync("scan", "--rules", "gitleaks.toml", "--format", "json");

        using var line = JsonDocument.Parse(Assert.Single(result.OutputLines));
        Assert.Equal(("corp-live-key", 2), (line.RootElement.GetProperty("rule").GetString(), line.RootElement.GetProperty("location").GetProperty("line").GetInt32()));
    }

    [Theory]
    [InlineData("--range", "nope..HEAD", "'nope' is not a commit")]
    [InlineData("--range", "HEAD", "expected A..B")]
    [InlineData("--since", "garbage", "not a date")]
    [InlineData("--rules", "missing.toml", "no such rule file")]
    [InlineData("--baseline", "missing.json", "cannot read")]
    public async Task Bad_usage_exits_2_with_the_reason(string option, string value, string reason)
    {
        _repo.Write("a.txt", "a\n").Commit("a");

        var result = await _cli.RunAsync("scan", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Selections_cannot_be_combined()
    {
        var result = await _cli.RunAsync("scan", "--all", "--staged");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--all and --staged cannot be combined", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_repository_exits_2_and_suggests_no_git()
    {
        using var plain = new TempFolder();

        var result = await new CliRunner(plain.Path).RunAsync("scan");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not a git repository (use --no-git", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_gitleaks_config_exits_2_naming_the_rule()
    {
        _repo.Write("a.txt", "a\n").Commit("a");
        File.WriteAllText(Path.Combine(_repo.Path, "bad.toml"), "[[rules]]\nid = \"broken\"\nregex = '''(unclosed'''\n");

        var result = await _cli.RunAsync("scan", "--rules", "bad.toml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.toml:2: rule 'broken': invalid regex regex", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_store_findings_are_kept_for_the_findings_command_and_reported_again_on_the_next_scan()
    {
        _repo.Write("a.env", $"GH_TOKEN={Token}\n").Commit("leak");
        var store = Path.Combine(_repo.Path, "..", $"{Guid.NewGuid():n}.db");

        var first = await _cli.RunAsync("scan", "--store", store);
        var second = await _cli.RunAsync("scan", "--store", store, "--format", "json");
        var stored = await _cli.RunAsync("findings", "--store", store, "--format", "json");

        Assert.Equal((1, 1), (first.ExitCode, second.ExitCode));
        Assert.Single(second.OutputLines);
        using var line = JsonDocument.Parse(Assert.Single(stored.OutputLines));
        Assert.Equal("github-pat", line.RootElement.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Without_a_store_scan_leaves_nothing_in_the_repository()
    {
        _repo.Write("a.env", $"GH_TOKEN={Token}\n").Commit("leak");

        await _cli.RunAsync("scan");

        Assert.Equal(string.Empty, _repo.Git("status", "--porcelain", "--untracked-files=all"));
    }

    [Fact]
    public async Task Help_explains_every_option()
    {
        var result = await _cli.RunAsync("scan", "--help");

        foreach (var option in new[] { "--range", "--since", "--all", "--staged", "--no-git", "--learn", "--rules", "--baseline", "--write-baseline", "--workers", "--store", "--format", "--output", "--fail-on", "--config" })
        {
            Assert.Contains(option, result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("Exit codes", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_folder_scan_runs_no_commit_detector_on_file_times()
    {
        // As commits by one author, the Sunday 03:00 file would be an unusual hour after 25 Monday 10:00 ones (FolderScanTests).
        using var folder = new TempFolder();
        for (var i = 0; i < 25; i++)
        {
            File.WriteAllText(folder.File($"a{i:D2}.txt"), $"line {i}\n");
            File.SetLastWriteTimeUtc(folder.File($"a{i:D2}.txt"), new DateTime(2026, 11, 2, 10, 0, 0, DateTimeKind.Utc).AddDays(-7 * i));
        }

        File.WriteAllText(folder.File("z.txt"), $"GH_TOKEN={Token}\n");
        File.SetLastWriteTimeUtc(folder.File("z.txt"), new DateTime(2026, 11, 8, 3, 0, 0, DateTimeKind.Utc));

        var result = await new CliRunner(folder.Path).RunAsync("scan", "--no-git", "--format", "json", "--workers", "2", ".");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["z.txt"], Files(result));
        Assert.All(result.OutputLines, l => Assert.Equal(Categories.HardcodedSecret, JsonDocument.Parse(l).RootElement.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task A_folder_scan_writing_its_outputs_inside_the_folder_does_not_read_them_but_reads_look_alikes()
    {
        using var folder = new TempFolder();
        for (var i = 0; i < 40; i++) File.WriteAllText(folder.File($"a{i:D2}.txt"), $"line {i}\n");
        File.WriteAllText(folder.File("z.txt"), $"GH_TOKEN={Token}\n");
        // Named like another file's temporary output: not this run's, so read like any file.
        var decoy = $".other.json.{new string('0', 32)}.tmp";
        File.WriteAllText(folder.File(decoy), $"export GH_TOKEN={Token}\n");
        var cli = new CliRunner(folder.Path);

        var first = await cli.RunAsync("scan", "--no-git", "--workers", "2", "--format", "json", "-o", "out.json", "--report", "sarif=out.sarif", ".");
        var again = await cli.RunAsync("scan", "--no-git", "--workers", "2", "--format", "json", "-o", "out.json", "--report", "sarif=out.sarif", ".");

        foreach (var run in new[] { first, again })
        {
            Assert.Equal(1, run.ExitCode);
            Assert.DoesNotContain("problem", run.Error, StringComparison.Ordinal);
            Assert.Contains("scanned 42 files", run.Error, StringComparison.Ordinal);
        }

        var files = File.ReadAllLines(folder.File("out.json")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("location").GetProperty("file").GetString());
        Assert.Equal([decoy, "z.txt"], files.Order(StringComparer.Ordinal));
        Assert.Equal(["out.json", "out.sarif"], Directory.GetFiles(folder.Path, "out.*").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task No_git_on_one_workflow_file_or_its_folder_outside_dot_github_recognises_it_by_content()
    {
        using var folder = new TempFolder();
        var workflow = Path.Combine(folder.Path, "release.yml");
        File.WriteAllText(workflow, "on: release\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: Swatinem/rust-cache@82a92a6e8fbeee089604da2575dc567ae9ddeaab\n      - run: cargo publish\n");
        File.WriteAllText(Path.Combine(folder.Path, "compose.yml"), "services:\n  web:\n    image: nginx\n");

        var one = await new CliRunner(folder.Path).RunAsync("scan", "--no-git", "--format", "json", workflow);
        var all = await new CliRunner(folder.Path).RunAsync("scan", "--no-git", "--format", "json", folder.Path);

        string[] expected = ["pipeline-tampering.cache-poisoning release.yml:6", "pipeline-tampering.use-trusted-publishing release.yml:7"];
        Assert.Equal(expected, Rules(one).Where(r => r.StartsWith("pipeline-tampering.cache", StringComparison.Ordinal) || r.StartsWith("pipeline-tampering.use", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(expected, Rules(all).Where(r => r.StartsWith("pipeline-tampering.cache", StringComparison.Ordinal) || r.StartsWith("pipeline-tampering.use", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Rules(all), r => r.Contains("compose.yml", StringComparison.Ordinal));
    }

    private static string[] Rules(CliResult result) =>
        [.. result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).Select(e => $"{e.GetProperty("rule").GetString()} {e.GetProperty("location").GetProperty("file").GetString()}:{e.GetProperty("location").GetProperty("line").GetInt32()}")];

    private static string[] Files(CliResult result) =>
        [.. result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("location").GetProperty("file").GetString()!)];

    public void Dispose() => _repo.Dispose();
}
