using PipeWatch.Configuration;
using PipeWatch.Detectors.CodeChange.PipelineTampering.Online;
using PipeWatch.Diagnostics;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>
/// The workflow checks that ask GitHub's REST API about the actions a scan sees (impostor commits, ref confusion, version comments,
/// stale SHAs), at <c>serve.github-api-url</c> with a token; one answer per repository and ref for the scan's life.
/// </summary>
/// <remarks>Dispose after the scan. A question GitHub cannot answer is a problem reported to the scan's reporter, never an exception.</remarks>
public sealed class OnlineWorkflowChecks : IDisposable
{
    private readonly GitHubRefsClient _github;

    /// <param name="apiUrl">The REST API's base URL (<c>https://api.github.com</c>, <c>https://HOST/api/v3</c>).</param>
    /// <param name="token">The token sent as <c>Authorization: Bearer</c>, to that URL only.</param>
    public OnlineWorkflowChecks(string apiUrl, string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _github = new GitHubRefsClient(apiUrl, token);
    }

    /// <summary>The commit detector for a scan configured by <paramref name="config"/> (its level and disabled detectors).</summary>
    /// <param name="recognizeByContent">For a plain folder (<c>scan --no-git</c>): also YAML files outside the CI paths, recognized by content.</param>
    /// <returns>Null when <c>code-change.pipeline-tampering</c> is disabled.</returns>
    public ICommitDetector? CreateDetector(PipeWatchConfig config, IProblemReporter? problems, bool recognizeByContent)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Disabled.Contains("code-change.pipeline-tampering")) return null;
        return new ActionRefsDetector(_github, problems, config.Options<PipelineTamperingOptions>().Level == PipelineTamperingOptions.Pedantic, recognizeByContent);
    }

    public void Dispose() => _github.Dispose();
}
