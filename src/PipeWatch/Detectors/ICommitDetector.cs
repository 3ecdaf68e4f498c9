using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors;

/// <summary>
/// A detector over commits (<c>pipewatch scan</c>): finds IoCs in what a commit changed and who made it — secrets in added lines,
/// tampered CI definitions, new dependencies, obfuscated code. The event detectors of commit events (<see cref="IDetector"/> with
/// <see cref="Events.EventKind.Commit"/>) run in a scan through <see cref="CodeChange.CommitEventAdapter"/>.
/// </summary>
/// <remarks>
/// <c>pipewatch scan</c> calls every detector once per commit, oldest first, from one thread, so detectors need no locking.
/// Learned state goes in <c>context.Detection.Baselines</c>, as with <see cref="IDetector"/>.
/// Commits before the scanned range are passed with <see cref="CommitContext.LearnOnly"/> set: update what is learned, report nothing.
/// </remarks>
public interface ICommitDetector
{
    DetectorInfo Info { get; }

    void Inspect(GitCommit commit, CommitContext context);
}
