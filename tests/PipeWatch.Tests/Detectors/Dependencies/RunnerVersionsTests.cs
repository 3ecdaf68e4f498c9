using PipeWatch.Dependencies;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Events;
using PipeWatch.Tests.Sources.JobLogs;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

public sealed class RunnerVersionsTests
{
    [Fact]
    public void A_github_actions_log_header_names_the_runner_and_its_version()
    {
        var runner = RunnerVersions.In(new LogSection(null, 1, Header(JobLogFixtures.GitHubLog)));

        Assert.Equal((Ecosystems.GitHubActions, "actions/runner", "2.322.0", 5), (runner!.Ecosystem, runner.Name, runner.Version, runner.Line));
    }

    [Fact]
    public void A_gitlab_trace_header_names_the_runner_as_the_go_module_with_a_v_version()
    {
        var runner = RunnerVersions.In(new LogSection(null, 1, Header(JobLogFixtures.GitLabTrace)));

        Assert.Equal((Ecosystems.Go, "gitlab.com/gitlab-org/gitlab-runner", "v17.9.1", 1), (runner!.Ecosystem, runner.Name, runner.Version, runner.Line));
    }

    [Fact]
    public void A_section_past_the_header_or_without_a_banner_names_none()
    {
        Assert.Null(RunnerVersions.In(new LogSection("Build", 120, "Current runner version: '2.322.0'")));
        Assert.Null(RunnerVersions.In(new LogSection(null, 1, "npm ci\nadded 312 packages")));
    }

    // The lines as the log sources hand them to detectors: the first 20 lines, timestamps and the BOM left as the raw text has them.
    private static string Header(string path) => string.Join('\n', File.ReadLines(path).Take(20));
}
