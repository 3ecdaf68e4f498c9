using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Secrets;

public sealed class HardcodedSecretDetectorTests(PlantedSecretsRepository planted) : IClassFixture<PlantedSecretsRepository>, IDisposable
{
    // GitHub's documented fake key is an example rules skip; this one is random, in the classic PAT format, with a valid checksum.
    private const string Token = "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";
    private readonly TestRepository _repo = new();

    public static TheoryData<string, int> MatchExamples()
    {
        var data = new TheoryData<string, int>();
        foreach (var rule in PlantedSecretsRepository.Rules)
        {
            for (var i = 0; i < rule.MatchExamples.Count; i++) data.Add(rule.Id, i);
        }

        return data;
    }

    public static TheoryData<string, int> NoMatchExamples()
    {
        var data = new TheoryData<string, int>();
        foreach (var rule in PlantedSecretsRepository.Rules)
        {
            for (var i = 0; i < rule.NoMatchExamples.Count; i++) data.Add(rule.Id, i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MatchExamples))]
    public void Each_rules_true_example_in_an_added_line_is_found_with_its_rule_commit_path_and_line(string rule, int index)
    {
        var (commit, path, line) = planted.Planted(rule, index);

        var finding = Assert.Single(planted.Findings, f => f.Location.File == path && f.Rule == rule);

        Assert.Equal((Categories.HardcodedSecret, commit, line), (finding.Category, finding.Location.Commit, finding.Location.Line));
        Assert.Equal("Dana Dev", finding.Entity.Actor);
    }

    [Theory]
    [MemberData(nameof(NoMatchExamples))]
    public void Each_rules_false_example_raises_nothing_for_that_rule(string rule, int index)
    {
        var path = PlantedSecretsRepository.CleanPath(rule, index);

        Assert.DoesNotContain(planted.Findings, f => f.Location.File == path && f.Rule == rule);
    }

    [Fact]
    public async Task A_finding_carries_the_secret_redacted_never_whole()
    {
        var commit = _repo.Write("deploy.sh", $"#!/bin/sh\nexport GH_TOKEN={Token}\n").Commit("deploy script");

        var finding = Assert.Single((await Scan.RunAsync(_repo.Path)).Findings);

        Assert.Equal(("github-pat", Severity.Critical, "deploy.sh", 2, commit), (finding.Rule, finding.Severity, finding.Location.File, finding.Location.Line, finding.Location.Commit));
        Assert.Equal(TestRepository.Start, finding.Timestamp);
        Assert.Equal(["T1552.001"], finding.Techniques);
        var secret = Assert.Single(finding.Evidence, e => e.Name == "secret");
        Assert.StartsWith("ghp_… (40 chars, sha256:", secret.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, finding.Explanation + finding.Title + string.Join(' ', finding.Evidence.Select(e => e.Value)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clean_repository_raises_nothing()
    {
        _repo.Write("src/app.py", "import os\n\nTOKEN = os.environ['GH_TOKEN']\npassword = input('password: ')\n").Commit("app");
        _repo.Write(".github/workflows/ci.yml", "env:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n").Commit("ci");

        var result = await Scan.RunAsync(_repo.Path);

        Assert.Empty(result.Findings);
        Assert.Equal(2, result.Summary.Commits);
    }

    [Fact]
    public async Task A_line_changed_to_hold_a_secret_is_found_on_its_line()
    {
        _repo.Write("settings.ini", "[github]\ntoken = CHANGE_ME\nurl = https://api.github.com\n").Commit("settings");
        var leak = _repo.Write("settings.ini", $"[github]\ntoken = {Token}\nurl = https://api.github.com\n").Commit("real token");

        var finding = Assert.Single((await Scan.RunAsync(_repo.Path)).Findings);

        Assert.Equal(("settings.ini", 2, leak), (finding.Location.File, finding.Location.Line, finding.Location.Commit));
    }

    [Fact]
    public async Task A_secret_deleted_then_added_again_in_new_content_is_found_in_both_commits()
    {
        var first = _repo.Write("ci.env", $"GH_TOKEN={Token}\n").Commit("add");
        _repo.Write("ci.env", "GH_TOKEN=\n").Commit("remove");
        var again = _repo.Write("ci.env", $"# restored\nGH_TOKEN={Token}\n").Commit("restore");

        var findings = (await Scan.RunAsync(_repo.Path)).Findings;

        Assert.Equal([(first, 1), (again, 2)], findings.Select(f => (f.Location.Commit!, f.Location.Line!.Value)));
    }

    [Fact]
    public async Task Content_restored_byte_for_byte_is_the_same_blob_and_is_not_scanned_again()
    {
        var first = _repo.Write("ci.env", $"GH_TOKEN={Token}\n").Commit("add");
        _repo.Write("ci.env", "GH_TOKEN=\n").Commit("remove");
        _repo.Write("ci.env", $"GH_TOKEN={Token}\n").Commit("revert the removal");

        var finding = Assert.Single((await Scan.RunAsync(_repo.Path)).Findings);

        Assert.Equal(first, finding.Location.Commit);
    }

    [Fact]
    public async Task A_secret_in_a_file_removed_later_is_still_found_where_it_was_added()
    {
        var leak = _repo.Write("old/creds.txt", $"token: {Token}\n").Write("keep.txt", "k\n").Commit("creds");
        _repo.Delete("old/creds.txt").Commit("remove creds");

        var finding = Assert.Single((await Scan.RunAsync(_repo.Path)).Findings);

        Assert.Equal(("old/creds.txt", 1, leak), (finding.Location.File, finding.Location.Line, finding.Location.Commit));
    }

    [Fact]
    public async Task A_secret_added_by_a_merge_commit_itself_is_found_on_the_merge()
    {
        _repo.Write("main.txt", "m\n").Commit("root");
        _repo.Checkout("feature", create: true);
        _repo.Write("feature.txt", "f\n").Commit("feature");
        _repo.Checkout("main");
        _repo.Write("main.txt", "m\nm2\n").Commit("mainline");
        _repo.MergeNoCommit("feature");
        _repo.Write("merge-notes.txt", $"fixed during merge\ntoken={Token}\n");
        _repo.Git("add", "merge-notes.txt");
        var merge = _repo.Commit("merge feature");
        Assert.Equal(2, _repo.Parents(merge).Length);

        var finding = Assert.Single((await Scan.RunAsync(_repo.Path)).Findings);

        Assert.Equal(("merge-notes.txt", 2, merge), (finding.Location.File, finding.Location.Line, finding.Location.Commit));
    }

    [Fact]
    public async Task A_secret_a_merge_brings_from_its_branch_is_reported_once_on_the_branch_commit()
    {
        _repo.Write("main.txt", "m\n").Commit("root");
        _repo.Checkout("feature", create: true);
        var leak = _repo.Write("app.cfg", $"a=1\ntoken={Token}\n").Commit("feature with a leak");
        _repo.Checkout("main");
        _repo.Write("app.cfg", "z=0\n").Commit("mainline adds the same file");
        _repo.MergeNoCommit("feature");
        _repo.Write("app.cfg", $"z=0\na=1\ntoken={Token}\n");
        _repo.Git("add", "app.cfg");
        var merge = _repo.Commit("merge, resolving app.cfg");
        Assert.Equal(2, _repo.Parents(merge).Length);

        var finding = Assert.Single((await Scan.RunAsync(_repo.Path)).Findings);

        Assert.Equal((leak, 2), (finding.Location.Commit, finding.Location.Line));
    }

    [Fact]
    public async Task A_line_marked_pipewatch_allow_is_not_reported_and_the_other_lines_are()
    {
        _repo.Write("test/fixture.env", $"GH_TOKEN={Token} # pipewatch:allow test fixture\nOTHER={Token.Replace("ghp_", "gho_", StringComparison.Ordinal)}\n").Commit("fixture");

        var findings = (await Scan.RunAsync(_repo.Path)).Findings;

        Assert.Equal([2], findings.Select(f => f.Location.Line!.Value));
    }

    [Fact]
    public async Task Paths_regexes_and_stopwords_of_the_config_allow_findings()
    {
        var aws = "aws_secret_access_key = a3m8d7N8frJHRu/lPEaABWv2/zG9LCzHqyloUPUY";
        _repo.Write("docs/guide.md", $"token={Token}\n")
            .Write("src/a.txt", "key=AKIAQWERTYUIOPASDFGH\n")
            .Write("src/b.txt", "key=AKIAZZZZDUMMYZZZZZZZ\n")
            .Write("src/c.txt", aws + "\n")
            .Commit("mixed");
        var config = ConfigLoader.Parse(
            "detectors:\n  secrets.hardcoded:\n    paths: ['docs/**']\n    regexes: ['^AKIAQ']\n    stopwords: [dummy]\n", "pipewatch.yml");

        var findings = (await Scan.RunAsync(_repo.Path, config: config)).Findings;

        Assert.Equal(["src/c.txt"], findings.Select(f => f.Location.File).Distinct());
    }

    [Fact]
    public async Task Disabled_in_the_config_it_reports_nothing()
    {
        _repo.Write("a.env", $"GH_TOKEN={Token}\n").Commit("leak");
        var config = ConfigLoader.Parse("detectors:\n  secrets.hardcoded:\n    enabled: false\n", "pipewatch.yml");

        Assert.Empty((await Scan.RunAsync(_repo.Path, config: config)).Findings);
    }

    [Fact]
    public async Task One_worker_and_several_find_the_same_findings_in_the_same_order()
    {
        for (var i = 0; i < 30; i++)
        {
            _repo.Write($"f{i % 4}.txt", i % 3 == 0 ? $"n={i}\ntoken={Token}\n" : $"n={i}\n").Commit($"c{i}");
        }

        var one = (await Scan.RunAsync(_repo.Path, workers: 1)).Findings;
        var four = (await Scan.RunAsync(_repo.Path, workers: 4)).Findings;

        Assert.NotEmpty(one);
        Assert.Equal(one.Select(f => f.Fingerprint), four.Select(f => f.Fingerprint));
    }

    [Fact]
    public async Task A_plain_folder_is_scanned_file_by_file_without_commits()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("conf"));
        File.WriteAllText(folder.File("conf/app.env"), $"A=1\nGH_TOKEN={Token}\n");
        File.WriteAllText(folder.File("readme.md"), "nothing here\n");

        var finding = Assert.Single((await Scan.RunAsync(folder.Path, folder: true)).Findings);

        Assert.Equal(("conf/app.env", 2, (string?)null), (finding.Location.File, finding.Location.Line, finding.Location.Commit));
        // A plain folder has no commit: the finding says where the secret is, not that it was committed.
        Assert.Equal("github-pat found in conf/app.env", finding.Title);
        Assert.StartsWith("A value matching rule 'github-pat' (", finding.Explanation, StringComparison.Ordinal);
        Assert.Contains(") is written: ghp_", finding.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("commit", finding.Explanation, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Staged_changes_are_scanned_without_a_commit()
    {
        _repo.Write("a.txt", "1\n").Commit("root");
        _repo.Write("a.txt", $"1\ntoken={Token}\n");
        _repo.Git("add", "a.txt");

        var finding = Assert.Single((await Scan.RunAsync(_repo.Path, new PipeWatch.Sources.Git.GitSelection(Staged: true))).Findings);

        Assert.Equal(("a.txt", 2, (string?)null), (finding.Location.File, finding.Location.Line, finding.Location.Commit));
        Assert.Equal("github-pat staged in a.txt", finding.Title);
        Assert.Contains(") is staged: ghp_", finding.Explanation, StringComparison.Ordinal);
        Assert.Contains("unstage it", finding.Explanation, StringComparison.Ordinal);
    }

    public void Dispose() => _repo.Dispose();
}
