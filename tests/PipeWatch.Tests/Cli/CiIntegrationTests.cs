using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using PipeWatch.Cli;
using PipeWatch.Cli.Commands;
using PipeWatch.Tests.Support;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// The GitHub Action (action.yml) and the GitLab CI template run their real scripts here, with <c>dotnet publish</c> replaced
/// by a shim that publishes a recorder of the pipewatch arguments; those arguments then run through pipewatch itself on a
/// real repository.
/// </summary>
public sealed partial class CiIntegrationTests : IDisposable
{
    private const string Token = "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";
    private static readonly string Root = Corpus.RepositoryRoot;
    private readonly TestRepository _repo = new();
    private readonly TempFolder _work = new();

    [Fact]
    public void The_action_is_composite_and_pins_every_action_it_uses_by_full_sha()
    {
        var action = Load(Path.Combine(Root, "action.yml"));
        var runs = (YamlMappingNode)action["runs"];

        Assert.Equal("composite", Scalar(runs, "using"));
        var uses = ((YamlSequenceNode)runs["steps"]).Children.OfType<YamlMappingNode>().Select(s => Scalar(s, "uses")).OfType<string>().ToList();
        Assert.Contains(uses, u => u.StartsWith("github/codeql-action/upload-sarif@", StringComparison.Ordinal));
        Assert.All(uses, u => Assert.Matches("@[0-9a-f]{40}$", u));
    }

    [Fact]
    public async Task The_actions_script_scans_the_pushed_range_with_options_pipewatch_accepts()
    {
        var before = _repo.Write("old.env", $"GH_TOKEN={Token}\n").Commit("old leak");
        var after = _repo.Write("new.txt", "aws_access_key_id = AKIAQWERTYUIOPASDFGH\n").Commit("new leak");

        var args = RunActionScript(new() { ["PW_BEFORE"] = before, ["PW_SHA"] = after, ["PW_RANGE"] = "", ["PW_FAIL_ON"] = "low" });
        var result = await new CliRunner(_repo.Path).RunAsync(args);

        var sarifFile = Path.Combine(_work.File("runner-temp"), "pipewatch.sarif");
        Assert.Equal(["scan", _repo.Path, "--report", $"sarif={sarifFile}", "--fail-on", "low", "--range", $"{before}..{after}"], args);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("aws-access-key-id", result.Output, StringComparison.Ordinal);
        Assert.Contains($"sarif-file={sarifFile}", File.ReadAllText(_work.File("github-output")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_repo.Path, "pipewatch.sarif")));
        using var sarif = JsonDocument.Parse(File.ReadAllText(sarifFile));
        var result0 = Assert.Single(sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        Assert.Equal("aws-access-key-id", result0.GetProperty("ruleId").GetString());
    }

    [Fact]
    public void On_a_new_branch_the_action_scans_the_whole_history_and_passes_baseline_rules_and_config()
    {
        var head = _repo.Write("a.txt", "a\n").Commit("first");

        var args = RunActionScript(new()
        {
            ["PW_BEFORE"] = "0000000000000000000000000000000000000000", ["PW_SHA"] = head, ["PW_RANGE"] = "", ["PW_FAIL_ON"] = "high",
            ["PW_BASELINE"] = "baseline.json", ["PW_RULES"] = "gitleaks.toml", ["PW_CONFIG"] = "pipewatch.yml",
        });

        Assert.DoesNotContain("--range", args);
        Assert.Equal(["--baseline", "baseline.json", "--rules", "gitleaks.toml", "--config", "pipewatch.yml"], args[6..]);
        AssertKnownOptions(args);
    }

    [Fact]
    public async Task On_a_pull_request_the_action_scans_base_to_head_with_the_installed_tool_package()
    {
        var basis = _repo.Write("old.env", $"GH_TOKEN={Token}\n").Commit("old leak on main");
        var head = _repo.Write("new.txt", "aws_access_key_id = AKIAQWERTYUIOPASDFGH\n").Commit("new leak in the PR");

        // On pull_request github.event.before is empty; the PR's base and head are what it brings.
        var args = RunActionScript(new() { ["PW_EVENT"] = "pull_request", ["PW_PR_BASE"] = basis, ["PW_PR_HEAD"] = head, ["PW_SHA"] = "f".PadRight(40, 'f') });
        var result = await new CliRunner(_repo.Path).RunAsync(args);

        Assert.Equal(["--range", $"{basis}..{head}"], args[^2..]);
        Assert.Equal([$"dotnet tool install PipeWatch.Cli --version 0.1.0 --tool-path {_work.File("runner-temp")}/pipewatch-tool"], File.ReadAllLines(_work.File("dotnet-calls")));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("aws-access-key-id", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("github-pat", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_merge_group_scans_its_base_to_head_and_a_schedule_the_whole_history()
    {
        var basis = _repo.Write("a.txt", "a\n").Commit("first");
        var head = _repo.Write("b.txt", "b\n").Commit("second");

        var group = RunActionScript(new() { ["PW_EVENT"] = "merge_group", ["PW_MG_BASE"] = basis, ["PW_MG_HEAD"] = head });
        var schedule = RunActionScript(new() { ["PW_EVENT"] = "schedule", ["PW_SHA"] = head, ["PW_BASELINE"] = "baseline.json" });

        Assert.Equal(["--range", $"{basis}..{head}"], group[^2..]);
        Assert.DoesNotContain("--range", schedule);
        Assert.Equal(["--baseline", "baseline.json"], schedule[^2..]);
    }

    [Fact]
    public void With_advisories_the_action_refreshes_the_cached_database_and_scans_with_it()
    {
        var head = _repo.Write("a.txt", "a\n").Commit("first");
        var database = Path.Combine(_work.File("runner-temp"), "pipewatch-vulndb", "advisories.db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        File.WriteAllText(database, "");

        var args = RunActionScript(new() { ["PW_SHA"] = head, ["PW_ADVISORIES"] = "true" });

        Assert.Equal(["--vulndb", database], args[^2..]);
    }

    [Fact]
    public void When_the_tool_package_cannot_be_installed_the_action_builds_from_its_source()
    {
        var head = _repo.Write("a.txt", "a\n").Commit("first");

        var args = RunActionScript(new() { ["PW_SHA"] = head, ["SHIM_NO_PACKAGE"] = "1" });

        Assert.Equal("scan", args[0]);
        Assert.Equal(["dotnet tool install PipeWatch.Cli --version 0.1.0 --tool-path " + _work.File("runner-temp") + "/pipewatch-tool", "dotnet publish"], File.ReadAllLines(_work.File("dotnet-calls")));
    }

    [Fact]
    public void A_sarif_log_is_uploaded_only_when_the_scan_wrote_one()
    {
        var action = Load(Path.Combine(Root, "action.yml"));
        var steps = ((YamlSequenceNode)((YamlMappingNode)action["runs"])["steps"]).Children.OfType<YamlMappingNode>().ToList();
        var upload = steps.Single(s => Scalar(s, "uses")?.StartsWith("github/codeql-action/upload-sarif@", StringComparison.Ordinal) == true);
        var caches = steps.Where(s => Scalar(s, "uses")?.StartsWith("actions/cache@", StringComparison.Ordinal) == true).ToList();
        var cache = caches.Single(s => Scalar((YamlMappingNode)s["with"], "path")!.EndsWith("/pipewatch-tool", StringComparison.Ordinal));
        var vulndb = caches.Single(s => Scalar((YamlMappingNode)s["with"], "path")!.EndsWith("/pipewatch-vulndb", StringComparison.Ordinal));
        Assert.Equal("pipewatch-vulndb-", Scalar((YamlMappingNode)vulndb["with"], "restore-keys"));

        Assert.Contains("steps.scan.outputs.sarif-ready == 'true'", Scalar(upload, "if"), StringComparison.Ordinal);
        Assert.Contains("if [ -s \"$sarif\" ]; then echo \"sarif-ready=true\"", Scalar(steps.Single(s => Scalar(s, "id") == "scan"), "run"), StringComparison.Ordinal);
        Assert.Contains("inputs.version", Scalar((YamlMappingNode)cache["with"], "key"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_gitlab_template_and_the_dockerfile_pin_their_images_by_digest_and_run_merge_request_pipelines()
    {
        var template = Load(Path.Combine(Root, "ci", "gitlab", "pipewatch-scan.gitlab-ci.yml"));
        var job = (YamlMappingNode)template["pipewatch-scan"];
        var dockerfile = File.ReadAllLines(Path.Combine(Root, "Dockerfile"));

        Assert.Matches("@sha256:[0-9a-f]{64}$", Scalar(job, "image"));
        Assert.Matches(@"^v\d+\.\d+\.\d+$", Scalar((YamlMappingNode)template["variables"], "PIPEWATCH_REF"));
        Assert.Contains(((YamlSequenceNode)job["rules"]).Children.OfType<YamlMappingNode>(), r => Scalar(r, "if") == "$CI_PIPELINE_SOURCE == \"merge_request_event\"");
        var froms = dockerfile.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, froms.Count);
        Assert.All(froms, f => Assert.Matches("@sha256:[0-9a-f]{64}( AS \\w+)?$", f));
        Assert.Contains(dockerfile, l => l.Contains("install -y --no-install-recommends git", StringComparison.Ordinal));
        Assert.Equal("USER $APP_UID", dockerfile.Last(l => l.StartsWith("USER ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_gitlab_template_scans_the_pushed_range_and_keeps_the_sarif_as_an_artifact()
    {
        var template = Load(Path.Combine(Root, "ci", "gitlab", "pipewatch-scan.gitlab-ci.yml"));
        var job = (YamlMappingNode)template["pipewatch-scan"];
        Assert.Equal("0", Scalar((YamlMappingNode)job["variables"], "GIT_DEPTH"));
        var artifacts = (YamlMappingNode)job["artifacts"];
        Assert.Equal(["pipewatch.sarif", "gl-secret-detection-report.json"], ((YamlSequenceNode)artifacts["paths"]).Children.Select(c => c.ToString()));
        Assert.Equal("gl-secret-detection-report.json", Scalar((YamlMappingNode)artifacts["reports"], "secret_detection"));
        var before = _repo.Write("old.env", $"GH_TOKEN={Token}\n").Commit("old leak");
        var after = _repo.Write("new.txt", "aws_access_key_id = AKIAQWERTYUIOPASDFGH\n").Commit("new leak");
        var script = string.Join('\n', ((YamlSequenceNode)job["script"]).Children.Select(c => c.ToString()));

        var args = RunScript(script, new()
        {
            ["PIPEWATCH_SOURCE"] = "file:///pipewatch", ["PIPEWATCH_REF"] = "main", ["PIPEWATCH_FAIL_ON"] = "low", ["PIPEWATCH_BASELINE"] = "", ["PIPEWATCH_RULES"] = "",
            ["CI_PROJECT_DIR"] = _repo.Path, ["CI_COMMIT_BEFORE_SHA"] = before, ["CI_COMMIT_SHA"] = after,
        });
        var result = await new CliRunner(_repo.Path).RunAsync(args);

        var reports = Path.Combine(_work.File("tmp"), "pipewatch-reports");
        Assert.Equal(
            ["scan", _repo.Path, "--report", $"sarif={reports}/pipewatch.sarif", "--report", $"gitlab-secret-detection={reports}/gl-secret-detection-report.json",
                "--fail-on", "low", "--range", $"{before}..{after}"],
            args);
        Assert.Equal(1, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(reports, "pipewatch.sarif")));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "gl-secret-detection-report.json")));
        var leak = Assert.Single(report.RootElement.GetProperty("vulnerabilities").EnumerateArray());
        Assert.Equal(after, leak.GetProperty("location").GetProperty("commit").GetProperty("sha").GetString());
    }

    private string[] RunActionScript(Dictionary<string, string> env)
    {
        var action = Load(Path.Combine(Root, "action.yml"));
        var steps = ((YamlSequenceNode)((YamlMappingNode)action["runs"])["steps"]).Children.OfType<YamlMappingNode>();
        var scan = steps.Single(s => Scalar(s, "id") == "scan");
        env["PW_PATH"] = _repo.Path;
        env["PW_SARIF"] = "";
        env.TryAdd("PW_EVENT", "push");
        foreach (var name in new[] { "PW_BEFORE", "PW_SHA", "PW_RANGE", "PW_PR_BASE", "PW_PR_HEAD", "PW_MG_BASE", "PW_MG_HEAD", "PW_PACKAGE_SOURCE", "PW_ADVISORIES" }) env.TryAdd(name, "");
        env.TryAdd("PW_FAIL_ON", "low");
        env.TryAdd("PW_VERSION", "0.1.0");
        env.TryAdd("PW_BASELINE", "");
        env.TryAdd("PW_RULES", "");
        env.TryAdd("PW_CONFIG", "");
        env["GITHUB_ACTION_PATH"] = Root;
        env["GITHUB_OUTPUT"] = _work.File("github-output");
        env["RUNNER_TEMP"] = _work.File("runner-temp");
        return RunScript(Scalar(scan, "run")!, env);
    }

    // Runs a CI script under bash with git real and dotnet replaced by a shim whose publish writes, as the published
    // pipewatch, a script that records its arguments; returns the arguments the published pipewatch was run with.
    private string[] RunScript(string script, Dictionary<string, string> env)
    {
        var recorded = _work.File("args");
        env["TMPDIR"] = _work.File("tmp");
        var shim = $$"""
            dotnet() {
              if [ "$1" = tool ]; then
                echo "dotnet $*" >> '{{_work.File("dotnet-calls")}}'
                if [ "${SHIM_NO_PACKAGE:-}" = 1 ]; then return 1; fi
                local tool=
                while [ "$#" -gt 0 ]; do if [ "$1" = --tool-path ]; then tool=$2; fi; shift; done
                mkdir -p "$tool"
                printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s"\n' '{{recorded}}' > "$tool/pipewatch"
                chmod +x "$tool/pipewatch"
                return 0
              fi
              if [ "$1" = publish ]; then
                echo "dotnet $1" >> '{{_work.File("dotnet-calls")}}'
                local out=
                while [ "$#" -gt 0 ]; do if [ "$1" = -o ]; then out=$2; fi; shift; done
                mkdir -p "$out"
                printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s"\n' '{{recorded}}' > "$out/pipewatch"
                chmod +x "$out/pipewatch"
              fi
              return 0
            }
            git() {
              if [ "$1" = clone ]; then return 0; fi
              if [ "$1" = -C ] && [ "$2" = /tmp/pipewatch ]; then return 0; fi
              command git "$@"
            }

            """;
        var path = _work.File("script.sh");
        File.WriteAllText(path, shim + script);
        var info = new ProcessStartInfo("bash", [path]) { WorkingDirectory = _repo.Path, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (name, value) in env) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"script failed ({process.ExitCode}): {error}");
        var args = File.ReadAllLines(recorded);
        AssertKnownOptions(args);
        return args;
    }

    private static void AssertKnownOptions(string[] args)
    {
        var command = ScanCommand.Create(new CliHost(TextWriter.Null, TextWriter.Null, Root, _ => null, false, TimeProvider.System));
        var known = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal("scan", args[0]);
        Assert.All(args.Where(a => OptionName().IsMatch(a)), a => Assert.Contains(a, known));
    }

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    [GeneratedRegex("^--[a-z][a-z-]*$")]
    private static partial Regex OptionName();

    public void Dispose()
    {
        _repo.Dispose();
        _work.Dispose();
    }
}
