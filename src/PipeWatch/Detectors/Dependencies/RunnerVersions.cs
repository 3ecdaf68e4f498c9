using System.Text.RegularExpressions;
using PipeWatch.Dependencies;
using PipeWatch.Events;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>The CI runner a job log names in its header, as a dependency its advisories can be matched against.</summary>
/// <remarks>
/// GitHub Actions logs open with <c>Current runner version: '2.322.0'</c> (advisories: the "GitHub Actions" ecosystem,
/// <c>actions/runner</c>); GitLab job traces with <c>Running with gitlab-runner 17.9.1 (2f8c1a5b)</c> (the Go module
/// <c>gitlab.com/gitlab-org/gitlab-runner</c>, versions with a <c>v</c>). Only the first lines of a log are read.
/// </remarks>
internal static partial class RunnerVersions
{
    public const string GitHubRunner = "actions/runner";
    public const string GitLabRunner = "gitlab.com/gitlab-org/gitlab-runner";

    /// <summary>How far into a log the header is looked for: the lines before the first step.</summary>
    private const int HeaderChars = 8 * 1024;
    private const int HeaderLines = 40;

    /// <summary>The runner the section states, when it is the start of a log and states one; null otherwise.</summary>
    public static Dependency? In(LogSection log)
    {
        if (log.FirstLine > HeaderLines) return null;
        var head = log.Text.AsSpan(0, Math.Min(log.Text.Length, HeaderChars));
        if (head.Contains("Current runner version: '", StringComparison.Ordinal) && GitHub().Match(log.Text, 0, head.Length) is { Success: true } github)
        {
            return new Dependency(Ecosystems.GitHubActions, GitHubRunner, github.Groups["v"].Value, Direct: true, DependencySource.Unknown, Line: log.LineOf(github.Index));
        }

        if (head.Contains("Running with gitlab-runner ", StringComparison.Ordinal) && GitLab().Match(log.Text, 0, head.Length) is { Success: true } gitlab)
        {
            return new Dependency(Ecosystems.Go, GitLabRunner, "v" + gitlab.Groups["v"].Value, Direct: true, DependencySource.Unknown, Line: log.LineOf(gitlab.Index));
        }

        return null;
    }

    [GeneratedRegex(@"Current runner version: '(?<v>\d+\.\d+\.\d+)'")]
    private static partial Regex GitHub();

    [GeneratedRegex(@"Running with gitlab-runner (?<v>\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")]
    private static partial Regex GitLab();
}
