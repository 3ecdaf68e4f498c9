using System.Globalization;
using PipeWatch.Baselines;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Finds a commit that deletes far more than the repository's commits usually do, in total or in one file.</summary>
/// <remarks>
/// Per repository: rolling samples of lines deleted per commit and per changed file. A commit is reported when its deletions (or
/// its largest file's) reach the absolute floor <c>min-lines</c> and sit at least <c>threshold</c> robust spreads above the median,
/// once the repository has <c>min-samples</c> commits. Commits without line counts (push webhooks) are skipped; merges are skipped
/// (their diff repeats their branch's commits).
/// </remarks>
internal sealed class LargeDeletionDetector(LargeDeletionOptions? options = null) : IDetector
{
    /// <summary>Paths whose answer is remembered; past it the memo starts again (a bound on what a hostile history can make it hold).</summary>
    internal const int RememberedPaths = 65_536;

    private readonly LargeDeletionOptions _options = options ?? new LargeDeletionOptions();

    // Whether a path is hand-written, by path: a pure answer kept per path (a history changes the same files commit after commit,
    // and each answer cuts the path into folders and runs a regex on its name), not learned state.
    private readonly Dictionary<string, bool> _handWritten = new(StringComparer.Ordinal);

    public DetectorInfo Info { get; } = new(
        "code-change.large-deletion",
        Categories.LargeDeletion,
        [EventKind.Commit],
        "A commit deleting far more lines than the repository's commits usually do, in total or in one file.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Commit is not { LinesDeleted: not null, IsMerge: false } commit) return;
        // Only hand-written files count: a regenerated lockfile or a refreshed vendored library is not a deletion anyone made.
        var written = commit.Files.Where(f => f.LinesDeleted is not null && IsHandWritten(f.Path)).ToList();
        var deleted = written.Sum(f => f.LinesDeleted!.Value);
        // Lines that leave the repository: a rewrite, a reformat or code moved to other files deletes as much as it adds.
        var net = deleted - written.Sum(f => f.LinesAdded ?? 0);
        var sizes = context.Baselines.Get<DeletionSizes>(DeletionSizes.Key(e.Ci.Repository));
        var largest = written.MaxBy(f => f.LinesDeleted!.Value);
        var reasons = new List<string>();
        if (sizes.PerCommit.Count >= _options.MinimumSamples && net >= _options.MinimumLines)
        {
            var total = RobustScore.Of(deleted, sizes.PerCommit, minimumSpread: 1);
            if (deleted >= _options.MinimumLines && total.Z >= _options.Threshold)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"The commit deletes {deleted} lines over {written.Count} hand-written file(s) ({net} more than it adds); the repository's last {total.Samples} commits deleted a median of {total.Median:0} (spread {total.Spread:0.#}), so this is {total.Z:0.#} spreads above it (threshold {_options.Threshold}, floor {_options.MinimumLines} lines).{Where(written)}"));
            }

            if (largest?.LinesDeleted is { } fileDeleted && sizes.PerFile.Count >= _options.MinimumSamples)
            {
                var file = RobustScore.Of(fileDeleted, sizes.PerFile, minimumSpread: 1);
                if (fileDeleted >= _options.MinimumLines && file.Z >= _options.Threshold)
                {
                    reasons.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{largest.Path} loses {fileDeleted} lines{(largest.Change == CommitFileChange.Removed ? " (the file is removed)" : string.Empty)}; changed files lose a median of {file.Median:0} (spread {file.Spread:0.#}) over the last {file.Samples}."));
                }
            }
        }

        sizes.PerCommit.Add(deleted);
        foreach (var f in written) sizes.PerFile.Add(f.LinesDeleted!.Value);

        if (reasons.Count == 0) return;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = string.Create(CultureInfo.InvariantCulture, $"Commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} deletes {deleted} lines from '{e.Ci.Repository}'"),
            Explanation = string.Join(" ", reasons),
            Entity = new Entity(e.Ci.Repository, Actor: commit.Author.Key),
            Location = new Location(File: largest?.Path, Commit: commit.Sha, Url: e.Url),
            Evidence = [Evidence.Of("lines_deleted", deleted.ToString(CultureInfo.InvariantCulture)), Evidence.Of("files", written.Count.ToString(CultureInfo.InvariantCulture))],
            Techniques = ["T1485"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, commit.Sha),
        });
    }

    internal bool IsHandWritten(string path)
    {
        if (_handWritten.TryGetValue(path, out var known)) return known;
        if (_handWritten.Count >= RememberedPaths) _handWritten.Clear();
        return _handWritten[path] = ThirdPartyCode.IsHandWritten(path);
    }

    // Where a deletion over several files went: the top folder that lost the most, with a few of its files.
    private static string Where(IReadOnlyList<CommitFile> files)
    {
        if (files.Count < 2) return string.Empty;
        var top = files.Where(f => f.LinesDeleted > 0)
            .GroupBy(f => f.Path.Contains('/', StringComparison.Ordinal) ? f.Path[..f.Path.IndexOf('/', StringComparison.Ordinal)] + "/" : "(top folder)")
            .Select(g => (Folder: g.Key, Lines: g.Sum(f => f.LinesDeleted ?? 0), Files: g.Select(f => f.Path).ToList()))
            .MaxBy(g => g.Lines);
        if (top.Files is null) return string.Empty;
        var named = string.Join(", ", top.Files.Take(3)) + (top.Files.Count > 3 ? $" and {top.Files.Count - 3} more" : string.Empty);
        return string.Create(CultureInfo.InvariantCulture, $" {top.Lines} of them in {top.Folder}: {top.Files.Count} file(s) ({named}).");
    }
}
