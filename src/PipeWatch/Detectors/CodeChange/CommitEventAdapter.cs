using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Runs an event detector over scanned commits: each commit becomes the same <see cref="Events.EventKind.Commit"/> event a push webhook gives, so <c>scan</c> and <c>ingest</c> share detectors and baselines.</summary>
internal sealed class CommitEventAdapter(IDetector detector) : ICommitDetector
{
    // Only the author check reads CODEOWNERS; the lineage keeps one reference per commit walked, so the others do without it.
    private CodeOwnersLineage? _owners;
    private IBlobReader? _blobs;

    public DetectorInfo Info => detector.Info;

    public void Inspect(GitCommit commit, CommitContext context)
    {
        if (detector is UnauthorizedAuthorDetector && (_owners is null || !ReferenceEquals(_blobs, context.Blobs)))
        {
            _owners = new CodeOwnersLineage(context.Blobs);
            _blobs = context.Blobs;
        }

        var e = CommitEvents.From(commit, context.Repository, context.Blobs, owners: _owners);
        if (detector is UnauthorizedAuthorDetector && ActionRefMoves.OnlyMoveActionRefs(commit))
        {
            var fields = new Dictionary<string, string>(e.Fields, StringComparer.Ordinal) { [ActionRefMoves.Field] = "true" };
            if (ActionRefMoves.IsOnlyActionRefMoves(commit)) fields[ActionRefMoves.WholeCommitField] = "true";
            e = e with { Fields = fields };
        }

        detector.Inspect(e, new DetectionContext(context.Detection.Baselines, context.Detection.Time, context.Report));
    }
}
