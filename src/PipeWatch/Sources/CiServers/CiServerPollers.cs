using System.Text.RegularExpressions;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.CiServers;

/// <summary>Reads one configured CI server (<see cref="CiServerPoll"/>) through its API: Jenkins, GitLab, or GitHub's self-hosted runners.</summary>
internal static partial class CiServerPollers
{
    /// <summary>Polls <paramref name="server"/> once; the token named by <c>${env:NAME}</c> is read from <paramref name="environment"/>.</summary>
    /// <param name="gitHubApiUrl">The GitHub API used when the entry names none (<c>serve.github-api-url</c>).</param>
    public static async Task<CiServerReading> PollAsync(
        CiServerPoll server, string gitHubApiUrl, HttpClient http, Func<string, string?> environment, IProblemReporter problems, DateTimeOffset now, CancellationToken ct)
    {
        string? token = null;
        if (server.Token is { } reference && EnvName().Match(reference) is { Success: true } m)
        {
            token = environment(m.Groups[1].Value);
            if (string.IsNullOrEmpty(token))
            {
                problems.Report(new Problem(server.Name, $"token: the environment variable {m.Groups[1].Value} is not set; not polled"));
                return new CiServerReading(server, [], 1);
            }
        }

        return server.Kind switch
        {
            "jenkins" => await JenkinsPoller.PollAsync(server, token, http, problems, now, ct).ConfigureAwait(false),
            "gitlab" => await GitLabPoller.PollAsync(server, token, http, problems, now, ct).ConfigureAwait(false),
            _ => await GitHubRunnersPoller.PollAsync(server, server.Url ?? gitHubApiUrl.TrimEnd('/'), token, http, problems, now, ct).ConfigureAwait(false),
        };
    }

    [GeneratedRegex(@"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();
}
