using PipeWatch.Detectors;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Engine;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Server.Following;

/// <summary>
/// A followed repository's push scan with the online workflow checks (<c>scan --online</c>'s), when serve has a GitHub token
/// (<c>PIPEWATCH_GITHUB_TOKEN</c>): asked at <c>serve.github-api-url</c>.
/// </summary>
internal static class OnlineWorkflowScan
{
    public const string TokenVariable = "PIPEWATCH_GITHUB_TOKEN";

    /// <summary>Adds the online checks to <paramref name="builder"/>'s built-in scan detectors; the checks to dispose after the scan, or null without a token.</summary>
    public static OnlineWorkflowChecks? Add(PipelineBuilder builder, ServerSettings settings)
    {
        if (settings.Environment(TokenVariable)?.Trim() is not { Length: > 0 } token) return null;
        var online = new OnlineWorkflowChecks(settings.Config.Serve.GitHubApiUrl, token);
        if (online.CreateDetector(settings.Config, settings.Problems, recognizeByContent: false) is { } asking)
        {
            builder.WithCommitDetectors([.. BuiltInDetectors.ForScan(settings.Config, SecretRuleBook.BuiltIn, problems: settings.Problems), asking]);
        }

        return online;
    }
}
