using Microsoft.Extensions.Time.Testing;
using PipeWatch.Cli;
using PipeWatch.Cli.Rendering;
using PipeWatch.Findings;
using PipeWatch.Tests.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>The compact finding list: one to three lines per finding, wrapped between words, totals per severity, colour only when asked.</summary>
public sealed class TerminalViewTests : IDisposable
{
    private static readonly string Demo = Path.Combine(Corpus.RepositoryRoot, "samples", "demo");
    private static readonly string Attack = Path.Combine(Corpus.RepositoryRoot, "samples", "attack");
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public TerminalViewTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private static Finding Long(string fingerprint, Severity severity) => SqliteStoreTests.NewFinding(fingerprint, severity: severity) with
    {
        Title = "Step 'Run the integration tests against the staging environment' of job 'integration-tests-on-linux' ran 5.5× longer than usual",
        Entity = new Entity("acme/payments-api-with-a-long-name", "Continuous Integration", "integration-tests-on-linux", "Run the integration tests", "octocat"),
        Location = new Location("7100000041", "very/deep/folder/structure/of/the/repository/.github/workflows/continuous-integration.yml", 81),
    };

    private static (string Output, string[] Words) Render(IReadOnlyList<Finding> findings, int width, bool details = false, string? noColor = null, ColorMode color = ColorMode.Auto)
    {
        var output = new StringWriter();
        var host = new CliHost(output, new StringWriter(), "/", name => name == "NO_COLOR" ? noColor : null, Interactive: true, new FakeTimeProvider()) { Width = width };
        host.Settings.Color = color;
        FindingsView.Render(findings, host, details);
        var words = findings.SelectMany(f => $"{f.Title} {f.Category} {f.Entity} {f.Location} {(details ? f.Explanation : "")}".Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        return (output.ToString(), words);
    }

    [Fact]
    public void At_80_columns_each_finding_takes_at_most_three_lines_and_no_word_is_broken()
    {
        var (output, words) = Render([Long("a", Severity.High), Long("b", Severity.Medium), Long("c", Severity.High)], 80, noColor: "1");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3 * 3 + 1, lines.Length);
        Assert.All(lines.Where(l => !l.Contains("ontinuous-integration.yml", StringComparison.Ordinal)), l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Equal(["HIGH", "MEDIUM", "HIGH"], lines.Where(l => !l.StartsWith(' ')).SkipLast(1).Select(l => l.Split(' ')[0]));
        // Every printed word is a whole word of the finding (or the ellipsis that says something was left out).
        var known = words.ToHashSet(StringComparer.Ordinal);
        var printed = lines.SkipLast(1).SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(w => w is not ("HIGH" or "MEDIUM" or "·" or "…"));
        Assert.All(printed, w => Assert.Contains(w, known));
        Assert.Equal("3 findings: 2 high, 1 medium", lines[^1]);
    }

    [Fact]
    public void Details_show_the_whole_explanation_under_each_finding()
    {
        var (compact, _) = Render([Long("a", Severity.High)], 120, noColor: "1");
        var (details, _) = Render([Long("a", Severity.High)], 120, details: true, noColor: "1");

        Assert.DoesNotContain("Why it crossed the line.", compact, StringComparison.Ordinal);
        Assert.Contains("         Why it crossed the line.", details, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", ColorMode.Auto, false)]
    [InlineData(null, ColorMode.Auto, true)]
    [InlineData(null, ColorMode.Never, false)]
    [InlineData("1", ColorMode.Always, true)]
    public void No_color_and_color_decide_every_escape_sequence_bold_and_dim_included(string? noColor, ColorMode mode, bool escapes)
    {
        var (output, _) = Render([Long("a", Severity.High)], 120, noColor: noColor, color: mode);

        Assert.Equal(escapes, output.Contains('\u001b', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Color_option_reaches_piped_output_and_quiet_drops_the_summary()
    {
        var coloured = await _cli.RunAsync("ingest", Demo, "--store", "a.db", "--color", "always");
        var quiet = await _cli.RunAsync("ingest", Demo, "--store", "b.db", "--quiet");

        Assert.Contains('\u001b', coloured.Output);
        Assert.StartsWith("ingested ", coloured.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', quiet.Output);
        Assert.Equal(string.Empty, quiet.Error);
        Assert.Matches(@"\n\d+ findings: 1 high, \d+ medium\n$", quiet.Output);
    }

    [Fact]
    public async Task Verbose_names_the_config_and_store_used()
    {
        File.WriteAllText(_temp.File("pipewatch.yml"), "min-samples: 10\n");

        var result = await _cli.RunAsync("ingest", Demo, "--store", "v.db", "--verbose", "--format", "json");

        Assert.Equal(["config: pipewatch.yml", "store: v.db"], result.ErrorLines[..2]);
    }

    [Fact]
    public async Task Quiet_and_verbose_together_are_refused_with_the_subcommands_help_hint()
    {
        var result = await _cli.RunAsync("ingest", Demo, "--quiet", "--verbose");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["pipewatch: --quiet and --verbose cannot be used together", "Run 'pipewatch ingest --help' for usage."], result.ErrorLines);
    }

    [Fact]
    public async Task A_usage_error_points_at_the_help_of_the_command_it_is_in()
    {
        var findings = await _cli.RunAsync("findings", "--severity", "urgent");
        var import = await _cli.RunAsync("vulndb", "import");

        Assert.Equal(2, findings.ExitCode);
        Assert.Equal("Run 'pipewatch findings --help' for usage.", findings.ErrorLines[^1]);
        Assert.Equal("Run 'pipewatch vulndb import --help' for usage.", import.ErrorLines[^1]);
    }

    [Fact]
    public async Task Severity_and_repository_filters_ignore_case()
    {
        await _cli.RunAsync("ingest", Demo, Attack, "--format", "json");

        var lower = await _cli.RunAsync("findings", "--severity", "high", "--repository", "acme/payments-api", "--format", "json");
        var upper = await _cli.RunAsync("findings", "--severity", "HIGH", "--repository", "ACME/Payments-API", "--format", "json");
        var incidents = await _cli.RunAsync("findings", "--incidents", "--repository", "ACME/PAYMENTS-API", "--format", "json");

        Assert.Equal(0, upper.ExitCode);
        Assert.NotEmpty(lower.OutputLines);
        Assert.Equal(lower.Output, upper.Output);
        Assert.NotEmpty(incidents.OutputLines);
    }

    [Theory]
    [InlineData("sarif")]
    [InlineData("gitlab-secret-detection")]
    public async Task Incidents_in_a_format_without_incidents_are_refused(string format)
    {
        await _cli.RunAsync("ingest", Demo, "--format", "json");

        var result = await _cli.RunAsync("findings", "--incidents", "--format", format);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        Assert.StartsWith($"pipewatch: --incidents cannot be written as {format}", result.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_rules_folder_is_a_usage_error()
    {
        var result = await _cli.RunAsync("ingest", Demo, "--rules", "no-such-rules");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["pipewatch: --rules no-such-rules: no such file or folder"], result.ErrorLines);
    }

    [Fact]
    public async Task Strict_makes_unreadable_input_fatal_after_reading_the_rest()
    {
        File.WriteAllText(_temp.File("bad-1.json"), "{\"action\": ");
        File.WriteAllText(_temp.File("bad-2.json"), "[1, 2");
        File.Copy(Path.Combine(Demo, "github-actions.jsonl"), _temp.File("good.jsonl"));

        var lenient = await _cli.RunAsync("ingest", "bad-1.json", "bad-2.json", "good.jsonl", "--store", "a.db", "--format", "json");
        var strict = await _cli.RunAsync("ingest", "bad-1.json", "bad-2.json", "good.jsonl", "--store", "b.db", "--format", "json", "--strict");

        Assert.Equal(1, lenient.ExitCode);
        Assert.Equal(2, strict.ExitCode);
        Assert.Equal(lenient.Output, strict.Output);
        // bad-1.json is one problem; bad-2.json two, as an array is read element by element (a number, then a cut-off one).
        Assert.Equal("pipewatch: --strict: 3 problems above; the input was not read completely", strict.ErrorLines[^1]);
    }

    [Fact]
    public async Task Every_help_page_states_the_exit_codes()
    {
        string[][] commands = [[], ["ingest"], ["scan"], ["findings"], ["rules"], ["rules", "validate"], ["rules", "test"], ["vulndb"], ["vulndb", "import"]];
        foreach (var command in commands)
        {
            var help = await _cli.RunAsync([.. command, "--help"]);

            Assert.True(help.Output.Contains("Exit code", StringComparison.Ordinal), $"pipewatch {string.Join(' ', command)} --help states no exit codes");
        }
    }

    [Fact]
    public async Task A_staged_scan_says_it_scanned_the_staged_changes()
    {
        using var repo = new TestRepository();
        repo.Write("a.txt", "hello\n");
        repo.Commit("first");
        repo.Write("b.txt", "world\n");
        repo.Git("add", "b.txt");

        var result = await _cli.RunAsync("scan", repo.Path, "--staged");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"scanned the staged changes of {Path.GetFileName(repo.Path)} in ", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }
}
