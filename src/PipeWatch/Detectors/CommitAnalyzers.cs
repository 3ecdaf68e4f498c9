using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Diagnostics;
using PipeWatch.Rules.Patterns;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors;

/// <summary>The one list of built-in commit analyzers that <c>pipewatch scan</c> runs, configured from <see cref="PipeWatchConfig"/>.</summary>
public static class CommitAnalyzers
{
    /// <summary>Every built-in commit analyzer not disabled in the config, in the order they see each commit.</summary>
    /// <param name="config">Settings and disabled analyzers.</param>
    /// <param name="secretRules">The secret rules of the scan (built-in, or from <c>--rules</c>).</param>
    /// <param name="advisories">The vulnerability advisories to match dependencies against (none when null).</param>
    /// <param name="problems">Where the dependency analyzers report files they cannot parse (nowhere when null).</param>
    /// <param name="commits">
    /// False for a plain folder (<c>scan --no-git</c>), whose files come from no commit: the analyzers of who committed, when,
    /// from where and how much (the commit-event detectors) are left out, as there is no author, time or size to judge, and so
    /// is the one of dependencies a commit adds (every package of a folder would be "added", by nobody).
    /// </param>
    public static IReadOnlyList<ICommitAnalyzer> Create(
        PipeWatchConfig config, SecretRuleBook secretRules, IAdvisoryIndex? advisories = null, IProblemReporter? problems = null, bool commits = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        var lockfiles = new LockfileCache(problems ?? new ProblemLog());
        advisories ??= new InMemoryAdvisoryIndex([]);
        ICommitAnalyzer[] all =
        [
            new HardcodedSecretAnalyzer(secretRules, config.HardcodedSecret),
            new PipelineTamperingAnalyzer(recognizeByContent: !commits),
            new ObfuscatedCodeAnalyzer(config.ObfuscatedCode),
            new CommitEventAnalyzer(new UnauthorizedAuthorDetector(config.UnauthorizedAuthor)),
            new CommitEventAnalyzer(new UnusualCommitTimeDetector(config.UnusualCommitTime)),
            new CommitEventAnalyzer(new UnusualCommitLocationDetector(config.UnusualCommitLocation)),
            new CommitEventAnalyzer(new LargeDeletionDetector(config.LargeDeletion)),
            new KnownVulnerabilityDetector(advisories, lockfiles),
            new CiInfrastructureVulnerabilityDetector(advisories, lockfiles),
            new UnexpectedNewDependencyDetector(lockfiles, PopularPackages.BuiltIn),
            new UntrustedSourceDetector(lockfiles, config.UntrustedSource),
        ];
        return [.. all.Where(a => !config.Disabled.Contains(a.Info.Id) && (commits || a is not (CommitEventAnalyzer or UnexpectedNewDependencyDetector)))];
    }
}
