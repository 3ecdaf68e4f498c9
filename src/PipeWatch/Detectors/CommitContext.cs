using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors;

/// <summary>What a commit detector gets: the repository, blob access, baselines, the clock and where findings go.</summary>
public sealed class CommitContext
{
    private readonly Action<Finding> _report;

    public CommitContext(string repository, IBlobReader blobs, DetectionContext detection, bool learnOnly)
    {
        Repository = repository;
        Blobs = blobs;
        Detection = detection;
        LearnOnly = learnOnly;
        _report = detection.Report;
    }

    /// <summary>The repository's name as findings show it (<c>owner/name</c> from the origin remote, else the folder name).</summary>
    public string Repository { get; }

    public IBlobReader Blobs { get; }

    /// <summary>The detector's baselines and clock, shared with the event detectors.</summary>
    public DetectionContext Detection { get; }

    /// <summary>True for a commit before the scanned range: learn from it, report nothing.</summary>
    public bool LearnOnly { get; }

    /// <summary>
    /// For each of the commit's files: true when its new blob appears for the first time in the scanned range (content already
    /// seen in an earlier commit need not be scanned again). Null when the caller did not track blobs: treat every file as new.
    /// </summary>
    public IReadOnlyList<bool>? FirstSightings { get; init; }

    /// <summary>What this detector's <see cref="ICommitPreparer.Prepare"/> returned for the commit; null when it was not called.</summary>
    public object? Prepared { get; init; }

    /// <summary>Reports a finding, unless this commit is only learned from.</summary>
    public void Report(Finding finding)
    {
        if (!LearnOnly) _report(finding);
    }
}
