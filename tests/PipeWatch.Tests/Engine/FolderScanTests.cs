using PipeWatch.Dependencies.Advisories;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Engine;

/// <summary><c>scan --no-git</c>: a plain folder through the real engine — what runs on it, and the same findings whatever the number of workers.</summary>
public sealed class FolderScanTests : IDisposable
{
    private static readonly DateTime Monday = new(2026, 11, 2, 10, 0, 0, DateTimeKind.Utc);
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task No_commit_detector_runs_on_files_that_came_from_no_commit()
    {
        // 25 files written on Mondays at 10:00 and one on a Sunday at 03:00: as commits by one author, the last is at an unusual hour.
        for (var i = 0; i < 25; i++) Write($"a{i:D2}.txt", $"line {i}\n", Monday.AddDays(-7 * i));
        Write("z.txt", "late\n", new DateTime(2026, 11, 8, 3, 0, 0, DateTimeKind.Utc));

        var asCommits = await Scan.RunAsync(_folder.Path, folder: true, commits: true);
        var asFolder = await Scan.RunAsync(_folder.Path, folder: true);

        Assert.Contains(asCommits.Findings, f => f.Category == Categories.UnusualTime);
        Assert.Empty(asFolder.Findings);
        Assert.Equal(26, asFolder.Summary.Commits);
    }

    [Fact]
    public async Task A_folder_lockfile_reports_its_vulnerable_packages_as_they_are_now_and_no_package_as_newly_added()
    {
        // A corpus package-lock (v1) that pins lodash 1.3.1, affected by GHSA-p6mc-m468-83gw, with no package.json beside it:
        // from commits this would be "a lockfile changed without its manifest"; in a folder nothing was changed by anyone.
        File.Copy(Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson", "files.v1.json"), _folder.File("package-lock.json"));
        var advisories = new InMemoryAdvisoryIndex([OsvFiles.Fixture("GHSA-p6mc-m468-83gw")]);

        var findings = (await Scan.RunAsync(_folder.Path, folder: true, advisories: advisories)).Findings;

        var finding = Assert.Single(findings);
        Assert.Equal((Categories.KnownVulnerability, "package-lock.json", 5, (string?)null), (finding.Category, finding.Location.File, finding.Location.Line, finding.Location.Commit));
        Assert.StartsWith("package-lock.json pins npm package lodash 1.3.1;", finding.Explanation, StringComparison.Ordinal);
        Assert.Null(finding.Entity.Actor);
    }

    [Fact]
    public async Task One_worker_and_several_give_the_same_findings_in_the_same_order()
    {
        var rules = SecretRuleBook.BuiltIn.Rules;
        for (var i = 0; i < 120; i++)
        {
            var rule = rules[i % rules.Count];
            var planted = i % 3 == 0 ? rule.MatchExamples[0] : $"value = {i}";
            Write($"d{i % 7}/f{i:D3}.{(i % 2 == 0 ? "py" : "txt")}", $"# file {i}\r\n{planted}\r\nx = eval(atob('eA=='))\r\n{new string('y', i * 40)}\n");
        }

        var one = (await Scan.RunAsync(_folder.Path, folder: true, workers: 1)).Findings;
        var two = (await Scan.RunAsync(_folder.Path, folder: true, workers: 2)).Findings;
        var eight = (await Scan.RunAsync(_folder.Path, folder: true, workers: 8)).Findings;

        Assert.True(one.Count(f => f.Category == Categories.HardcodedSecret) >= 30, $"{one.Count} findings");
        Assert.Contains(one, f => f.Rule == "obfuscated-code.decode-and-execute");
        Assert.Equal(Keys(one), Keys(two));
        Assert.Equal(Keys(one), Keys(eight));
    }

    private static List<string> Keys(IReadOnlyList<Finding> findings) =>
        [.. findings.Select(f => $"{f.Fingerprint} {f.Rule} {f.Location.File}:{f.Location.Line}")];

    private void Write(string path, string text, DateTime? written = null)
    {
        var full = _folder.File(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        if (written is { } when) File.SetLastWriteTimeUtc(full, when);
    }

    public void Dispose() => _folder.Dispose();
}
