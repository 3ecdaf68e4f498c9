namespace PipeWatch.Sources.Git;

/// <summary>Where <c>pipewatch scan</c> gets its commits: a git history, the staged changes, or a plain folder.</summary>
/// <remarks>
/// <see cref="Read"/> yields commits oldest first, each flagged when it is only to be learned from (before the scanned range);
/// it is called once, from one thread. Failures of git end the enumeration with a <see cref="GitException"/>.
/// </remarks>
public interface ICommitSource : IDisposable
{
    /// <summary>The repository's name as findings show it.</summary>
    string Repository { get; }

    /// <summary>The folder that file paths of the commits are relative to.</summary>
    string Root { get; }

    /// <summary>File contents by blob id; thread-safe.</summary>
    IBlobReader Blobs { get; }

    /// <summary>Bytes of git output (or file content) read so far, for progress.</summary>
    long BytesRead { get; }

    /// <summary>How many commits <see cref="Read"/> will yield, when cheap to know beforehand.</summary>
    long? CountCommits();

    IEnumerable<SourcedCommit> Read(CancellationToken cancellationToken);
}

/// <summary>A commit and whether it comes before the scanned range (learn from it, report nothing).</summary>
public readonly record struct SourcedCommit(GitCommit Commit, bool LearnOnly);
