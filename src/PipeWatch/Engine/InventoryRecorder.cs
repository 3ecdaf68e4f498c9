using PipeWatch.Dependencies.Inventory;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Detectors;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>
/// Keeps the store's inventory current from what the engine reads: each dependency file a commit changes (<c>scan</c>) or an
/// ingested file as it is now (<c>ingest</c>, <c>serve</c>) replaces what the inventory had for that file of its repository.
/// </summary>
/// <remarks>
/// Reports no findings. Runs beside the detectors on the detection thread; <see cref="Flush"/> writes what it collected into the
/// batch that commits them, so the inventory moves with the ledger and the findings of the same events. The last state of a
/// file seen in a run wins; a deleted or renamed-away file leaves the inventory empty for its old path.
/// </remarks>
internal sealed class InventoryRecorder : IDetector, ICommitDetector, ICommitPreparer
{
    private readonly LockfileCache _files = new(new ProblemLog());
    private readonly Dictionary<(InventoryPlace Place, string Path), InventoryUpdate> _pending = [];

    public DetectorInfo Info { get; } = new("inventory", Categories.KnownVulnerability, [EventKind.Dependencies], "Records the packages each repository holds into the store's inventory");

    // The dataset of the events Sources/Images/ImageSource reads from an image.
    private const string ImageDataset = "dependencies.container-image";

    /// <summary>Updates waiting for the next batch.</summary>
    public int Pending => _pending.Count;

    public object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs) => _files.Prepare(commit, blobs);

    public void Inspect(GitCommit commit, CommitContext context)
    {
        var place = new InventoryPlace(PlaceKind.Repository, context.Repository);
        var seen = commit.Committer.When;
        foreach (var file in commit.Files)
        {
            if (file.OldPath is { } old && old != file.Path && LockfileParsers.For(old) is not null) Set(place, old, [], seen);
        }

        foreach (var change in DependencyChanges.Of(commit, context, _files))
        {
            Set(place, change.Path, [.. change.After.Select(d => InventoryItem.Of(d, change.Path))], seen);
        }
    }

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Dependencies is not { } file) return;
        var seen = e.TimestampMissing ? context.Now : e.Timestamp;
        if (e.Dataset == ImageDataset)
        {
            // An image is a place of its own; each package carries the layer that installed it and the file that lists it.
            var image = new InventoryPlace(PlaceKind.Image, file.Path);
            Set(image, null, [.. file.Packages.Select(d => InventoryItem.Of(d, d.Installed?.Path ?? "", d.Installed?.Layer ?? ""))], seen);
            return;
        }

        var place = new InventoryPlace(PlaceKind.Repository, e.Ci.Repository.Length > 0 ? e.Ci.Repository : file.Path);
        Set(place, file.Path, [.. file.Packages.Select(d => InventoryItem.Of(d, file.Path))], seen);
    }

    /// <summary>Writes the collected updates into <paramref name="batch"/> (when its store keeps an inventory) and forgets them.</summary>
    public void Flush(IStoreBatch batch)
    {
        if (_pending.Count == 0) return;
        if (batch is IInventoryWriter writer)
        {
            foreach (var update in _pending.Values) writer.Replace(update);
        }

        _pending.Clear();
    }

    // A file changed twice in one run keeps, for the items it kept, the time of the earlier change.
    // path: the file whose items these are, null for the whole place.
    private void Set(InventoryPlace place, string? path, IReadOnlyList<InventoryItem> items, DateTimeOffset seen)
    {
        if (_pending.TryGetValue((place, path ?? ""), out var before) && before.Items.Count > 0)
        {
            var since = before.Items.GroupBy(i => i.Key).ToDictionary(g => g.Key, g => g.First().Since ?? before.SeenAt);
            items = [.. items.Select(i => since.TryGetValue(i.Key, out var s) ? i with { Since = s } : i)];
        }

        _pending[(place, path ?? "")] = new InventoryUpdate(place, path, items, seen);
    }
}
