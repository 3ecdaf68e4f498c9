using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Runs an event detector over scanned commits: each commit becomes the same <see cref="Events.EventKind.Commit"/> event a push webhook gives, so <c>scan</c> and <c>ingest</c> share detectors and baselines.</summary>
public sealed class CommitEventAnalyzer(IDetector detector) : ICommitAnalyzer
{
    public DetectorInfo Info => detector.Info;

    public void Analyze(GitCommit commit, CommitContext context)
    {
        var e = CommitEvents.From(commit, context.Repository, context.Blobs);
        detector.Inspect(e, new DetectionContext(context.Detection.Baselines, context.Detection.Time, context.Report));
    }
}
