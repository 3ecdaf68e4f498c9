using PipeWatch.Events;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Runs an event detector over scanned commits: each commit becomes the same <see cref="Events.EventKind.Commit"/> event a push webhook gives, so <c>scan</c> and <c>ingest</c> share detectors and baselines.</summary>
/// <param name="detector">The event detector.</param>
/// <param name="events">
/// Shared by the adapters of one scan, which see each commit one after another on the detectors' thread: the commit's event is
/// built once for all of them (its file list is as long as the commit's), not once per detector.
/// </param>
internal sealed class CommitEventAdapter(IDetector detector, CommitEventAdapter.SharedEvent? events = null) : ICommitDetector
{
    private readonly SharedEvent _events = events ?? new SharedEvent();

    // Only the author check reads CODEOWNERS; the lineage keeps one reference per commit walked, so the others do without it.
    private CodeOwnersLineage? _owners;
    private IBlobReader? _blobs;

    public DetectorInfo Info => detector.Info;

    public void Inspect(GitCommit commit, CommitContext context)
    {
        var e = _events.Of(commit, context.Repository, context.Blobs);
        if (detector is UnauthorizedAuthorDetector)
        {
            if (_owners is null || !ReferenceEquals(_blobs, context.Blobs))
            {
                _owners = new CodeOwnersLineage(context.Blobs);
                _blobs = context.Blobs;
            }

            // What CommitEvents.From adds given the lineage, and what only this detector reads: whether the commit only moves action refs.
            var fields = new Dictionary<string, string>(e.Fields, StringComparer.Ordinal) { [CommitEvents.CodeOwnersInForceField] = _owners.Advance(commit) ?? string.Empty };
            if (ActionRefMoves.OnlyMoveActionRefs(commit))
            {
                fields[ActionRefMoves.Field] = "true";
                if (ActionRefMoves.IsOnlyActionRefMoves(commit)) fields[ActionRefMoves.WholeCommitField] = "true";
            }

            e = e with { Fields = fields };
        }

        detector.Inspect(e, new DetectionContext(context.Detection.Baselines, context.Detection.Time, context.Report));
    }

    /// <summary>The event of the commit the adapters of a scan see now, built by the first of them to ask.</summary>
    internal sealed class SharedEvent
    {
        private GitCommit? _commit;
        private string? _repository;
        private IBlobReader? _blobs;
        private Event? _event;

        public Event Of(GitCommit commit, string repository, IBlobReader blobs)
        {
            if (_event is null || !ReferenceEquals(commit, _commit) || !ReferenceEquals(blobs, _blobs) || repository != _repository)
            {
                _event = CommitEvents.From(commit, repository, blobs);
                (_commit, _repository, _blobs) = (commit, repository, blobs);
            }

            return _event;
        }
    }
}
