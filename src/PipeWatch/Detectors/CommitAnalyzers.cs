using PipeWatch.Configuration;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Rules.Patterns;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors;

/// <summary>The one list of built-in commit analyzers that <c>pipewatch scan</c> runs, configured from <see cref="PipeWatchConfig"/>.</summary>
public static class CommitAnalyzers
{
    /// <summary>Every built-in commit analyzer not disabled in the config, in the order they see each commit.</summary>
    /// <param name="config">Settings and disabled analyzers.</param>
    /// <param name="secretRules">The secret rules of the scan (built-in, or from <c>--rules</c>).</param>
    public static IReadOnlyList<ICommitAnalyzer> Create(PipeWatchConfig config, SecretRuleBook secretRules)
    {
        ArgumentNullException.ThrowIfNull(config);
        ICommitAnalyzer[] all =
        [
            new HardcodedSecretAnalyzer(secretRules, config.HardcodedSecret),
        ];
        return [.. all.Where(a => !config.Disabled.Contains(a.Info.Id))];
    }
}
