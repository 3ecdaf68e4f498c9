using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PipeWatch.Tests.Support;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// The runner agent's CI wrappers run here as written, with <c>pipewatch</c> the real program built beside the tests: the GitHub
/// Action (node runs its main and post scripts around a job's commands, as the runner does), the GitLab template's
/// before_script/after_script, and the Jenkins <c>sh</c> wrapper.
/// </summary>
public sealed class AgentCiWrapperTests : IDisposable
{
    private static readonly string Root = Corpus.RepositoryRoot;
    private readonly TempFolder _work = new();
    private readonly CountingHttpServer _server = new();

    [Fact]
    public void The_action_runs_start_as_its_main_step_and_stop_as_its_post_step()
    {
        var action = Load(Path.Combine(Root, "agent", "action.yml"));
        var runs = (YamlMappingNode)action["runs"];
        Assert.Equal(("node20", "main.js", "post.js"), (Scalar(runs, "using"), Scalar(runs, "main"), Scalar(runs, "post")));
        // Every input the action declares reaches the scripts (run.js maps each to PW_*), and no other.
        var inputs = ((YamlMappingNode)action["inputs"]).Children.Keys.Select(k => k.ToString()).Order();
        var mapped = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Root, "agent", "run.js")), @"for \(const name of \[([^\]]*)\]").Groups[1].Value
            .Split(',').Select(n => n.Trim().Trim('\'')).Order();
        Assert.Equal(inputs, mapped);
    }

    [Fact]
    public void The_action_watches_the_jobs_commands_between_its_main_and_post_steps_and_reports_in_the_summary()
    {
        // The runner's worker, played by bash: the action's main step, two steps of the job, then the post step.
        var (code, output, error) = RunJob(
            $"""
            node "{Path.Combine(Root, "agent", "main.js")}" || exit 9
            export STATE_events="$(sed -n 's/^events=//p' "$GITHUB_STATE")"
            curl -s -o /dev/null http://127.0.0.1:{_server.Port}/one
            sh -c 'wget -q -O /dev/null http://127.0.0.1:{_server.Port}/two'
            node "{Path.Combine(Root, "agent", "post.js")}"
            """,
            new() { ["INPUT_FAIL-ON"] = "high", ["INPUT_MODE"] = "strace" });

        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        var events = Path.Combine(_work.File("runner-temp"), "pipewatch-agent.jsonl");
        var lines = Lines(events);
        Assert.Equal(["curl", "wget"], lines.Where(l => Field(l, "event.category") == "network" && Field(l, "destination.port") == Port).Select(l => Field(l, "process.name")).Order());
        Assert.All(lines, l => Assert.Equal(("acme/app", "CI", "501", "build"), (Field(l, "ci.repository"), Field(l, "ci.pipeline"), Field(l, "ci.run_id"), Field(l, "ci.job"))));
        Assert.Equal("strace", Field(Assert.Single(lines, l => Field(l, "event.action") == "resource-summary"), "runner.trace.mode"));
        Assert.Equal(2, _server.Requests);
        var summary = File.ReadAllText(_work.File("step-summary.md"));
        Assert.Equal($"### PipeWatch runner agent\n\n{lines.Count} events recorded in `{events}`; `pipewatch ingest` exit code 0.\n", summary);
        Assert.False(File.Exists(Path.Combine(_work.File("runner-temp"), "pipewatch-agent.state")));
    }

    [Fact]
    public void The_actions_post_step_fails_the_job_on_a_miner_at_or_above_fail_on()
    {
        var (code, output, error) = RunJob(
            $"""
            node "{Path.Combine(Root, "agent", "main.js")}" || exit 9
            cp "$(command -v curl)" ./xmrig
            ./xmrig -s -o /dev/null http://127.0.0.1:{_server.Port}/
            node "{Path.Combine(Root, "agent", "post.js")}"
            """,
            new() { ["INPUT_FAIL-ON"] = "high", ["INPUT_MODE"] = "strace" });

        Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
        Assert.Contains("Cryptocurrency miner in job 'build': xmrig", output, StringComparison.Ordinal);
        Assert.Contains("`pipewatch ingest` exit code 1.", File.ReadAllText(_work.File("step-summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_gitlab_template_watches_the_script_from_before_script_and_reports_in_after_script()
    {
        var template = Load(Path.Combine(Root, "ci", "gitlab", "pipewatch-agent.gitlab-ci.yml"));
        var job = (YamlMappingNode)template[".pipewatch-agent"];
        var env = new Dictionary<string, string>
        {
            ["PIPEWATCH_PROGRAM"] = Program(), ["PIPEWATCH_VERSION"] = "0.1.0", ["PIPEWATCH_INGEST_URL"] = "", ["PIPEWATCH_AGENT_MODE"] = "strace",
            ["PIPEWATCH_AGENT_FAIL_ON"] = "none", ["CI_PROJECT_DIR"] = _work.Path, ["GITLAB_CI"] = "true", ["CI_PROJECT_PATH"] = "acme/app",
            ["CI_PIPELINE_ID"] = "88", ["CI_JOB_NAME"] = "build", ["CI_PIPELINE_SOURCE"] = "push",
        };
        // As the runner does: before_script and script in one shell, after_script in another.
        var before = Script(job, "before_script");
        var (code, _, error) = Run(before + $"\ncurl -s -o /dev/null http://127.0.0.1:{_server.Port}/gitlab\n", env);
        Assert.True(code == 0, error);
        var (afterCode, _, afterError) = Run(Script(job, "after_script"), env);

        Assert.True(afterCode == 0, afterError);
        Assert.Contains("pipewatch agent: watched process ", afterError, StringComparison.Ordinal);
        var lines = Lines(Path.Combine(_work.Path, ".pipewatch", "agent.jsonl"));
        var connection = Assert.Single(lines, l => Field(l, "event.category") == "network" && Field(l, "destination.port") == Port);
        Assert.Equal(("curl", "acme/app", "88", "build"), (Field(connection, "process.name"), Field(connection, "ci.repository"), Field(connection, "ci.run_id"), Field(connection, "ci.job")));
        Assert.Equal(".pipewatch/agent.jsonl", Assert.Single(((YamlSequenceNode)((YamlMappingNode)job["artifacts"])["paths"]).Children).ToString());
    }

    [Fact]
    public void The_jenkins_wrapper_runs_the_command_under_watch_and_ends_with_its_exit_code()
    {
        var env = new Dictionary<string, string>
        {
            ["PIPEWATCH_PROGRAM"] = Program(), ["WORKSPACE"] = _work.Path, ["JENKINS_URL"] = "http://jenkins.test/", ["JOB_NAME"] = "app",
            ["BUILD_NUMBER"] = "12", ["STAGE_NAME"] = "Build",
        };

        var (code, _, error) = Run(
            $"'{Path.Combine(Root, "ci", "jenkins", "pipewatch-agent.sh")}' sh -c 'curl -s -o /dev/null http://127.0.0.1:{_server.Port}/jenkins; exit 4'", env);

        Assert.True(code == 4, $"exit {code}: {error}");
        var lines = Lines(Path.Combine(_work.Path, ".pipewatch", "agent.jsonl"));
        var connection = Assert.Single(lines, l => Field(l, "event.category") == "network" && Field(l, "destination.port") == Port);
        Assert.Equal(("curl", "Build", "12"), (Field(connection, "process.name"), Field(connection, "ci.step"), Field(connection, "ci.run_id")));
        Assert.Equal("4", Field(Assert.Single(lines, l => Field(l, "event.action") == "resource-summary"), "process.exit_code"));
        Assert.Equal(2, Run($"'{Path.Combine(Root, "ci", "jenkins", "pipewatch-agent.sh")}'", env).Code);
    }

    private string Port => _server.Port.ToString(CultureInfo.InvariantCulture);

    // The runner's side of a GitHub job: its variables, its files, and the action's inputs as the runner passes them to node.
    private (int Code, string Output, string Error) RunJob(string script, Dictionary<string, string> inputs)
    {
        Directory.CreateDirectory(_work.File("runner-temp"));
        var env = new Dictionary<string, string>
        {
            ["RUNNER_TEMP"] = _work.File("runner-temp"), ["GITHUB_STATE"] = _work.File("github-state"), ["GITHUB_STEP_SUMMARY"] = _work.File("step-summary.md"),
            ["GITHUB_ACTIONS"] = "true", ["GITHUB_REPOSITORY"] = "acme/app", ["GITHUB_WORKFLOW"] = "CI", ["GITHUB_RUN_ID"] = "501", ["GITHUB_JOB"] = "build",
            ["INPUT_PROGRAM"] = Program(), ["INPUT_EVENTS"] = "", ["INPUT_POST-URL"] = "", ["INPUT_TOKEN"] = "", ["INPUT_VERSION"] = "0.1.0",
        };
        foreach (var (name, value) in inputs) env[name] = value;
        return Run(script, env);
    }

    // The built program, as a script that runs it.
    private string Program()
    {
        var path = _work.File("pipewatch");
        if (File.Exists(path)) return path;
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

    private static List<JsonElement> Lines(string path) => [.. File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement)];

    private static string Field(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : string.Empty;

    private static string Script(YamlMappingNode job, string key) => string.Join('\n', ((YamlSequenceNode)job[key]).Children.Select(c => c.ToString()));

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    public void Dispose()
    {
        _server.Dispose();
        _work.Dispose();
    }
}
