using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors;

/// <summary>A commit detector whose costly, stateless part (scanning text) can run on worker threads, ahead of its <see cref="ICommitDetector.Inspect"/>.</summary>
/// <remarks>
/// <c>pipewatch scan</c> calls <see cref="Prepare"/> from any thread, for several commits at once and in any order, so it must
/// not touch learned state or report findings; what it returns reaches <see cref="ICommitDetector.Inspect"/> of the same
/// commit, still oldest first on one thread, as <see cref="CommitContext.Prepared"/>. Without a preparer the engine's
/// parallelism does not apply to the detector, which is still correct.
/// </remarks>
internal interface ICommitPreparer
{
    /// <param name="commit">The commit.</param>
    /// <param name="firstSightings">For each of <see cref="GitCommit.Files"/>: true when its new blob appears for the first time in the scanned range.</param>
    /// <param name="learnOnly">True for a commit before the scanned range.</param>
    /// <param name="blobs">File contents of the scanned repository (thread-safe), as <see cref="CommitContext.Blobs"/>.</param>
    object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs);
}
