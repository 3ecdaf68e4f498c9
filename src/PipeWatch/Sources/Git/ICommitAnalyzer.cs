using PipeWatch.Detectors;
using PipeWatch.Findings;

namespace PipeWatch.Sources.Git;

/// <summary>Finds IoCs in the content a commit changed: secrets in added lines, tampered CI definitions, new dependencies, obfuscated code.</summary>
/// <remarks>
/// <c>pipewatch scan</c> calls every analyzer once per commit, oldest first, from one thread, so analyzers need no locking.
/// Learned state goes in <c>context.Detection.Baselines</c>, as with <see cref="IDetector"/>.
/// Commits before the scanned range are passed with <see cref="CommitContext.LearnOnly"/> set: update what is learned, report nothing.
/// </remarks>
public interface ICommitAnalyzer
{
    DetectorInfo Info { get; }

    void Analyze(GitCommit commit, CommitContext context);
}

/// <summary>Reads file contents by blob id from the scanned repository.</summary>
public interface IBlobReader
{
    /// <summary>The blob's text as UTF-8, or null when the blob is missing or binary (contains a NUL byte in its first 8,000 bytes).</summary>
    string? ReadText(string blobId);
}

/// <summary>What a commit analyzer gets: the repository, blob access, baselines, the clock and where findings go.</summary>
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

    /// <summary>The analyzer's baselines and clock, shared with the event detectors.</summary>
    public DetectionContext Detection { get; }

    /// <summary>True for a commit before the scanned range: learn from it, report nothing.</summary>
    public bool LearnOnly { get; }

    /// <summary>
    /// For each of the commit's files: true when its new blob appears for the first time in the scanned range (content already
    /// seen in an earlier commit need not be scanned again). Null when the caller did not track blobs: treat every file as new.
    /// </summary>
    public IReadOnlyList<bool>? FirstSightings { get; init; }

    /// <summary>What this analyzer's <see cref="ICommitPreparer.Prepare"/> returned for the commit; null when it was not called.</summary>
    public object? Prepared { get; init; }

    /// <summary>Reports a finding, unless this commit is only learned from.</summary>
    public void Report(Finding finding)
    {
        if (!LearnOnly) _report(finding);
    }
}
