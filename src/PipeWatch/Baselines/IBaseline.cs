namespace PipeWatch.Baselines;

/// <summary>Learned state a detector keeps per key (repository, pipeline, job, step…), persisted in the store between runs.</summary>
/// <remarks>
/// Implementations are plain mutable classes owned by one detector and touched only from the detection stage (single-threaded).
/// <see cref="IBaseline.Write"/> and <see cref="Read"/> round-trip the whole state; the format is versioned by <see cref="FormatVersion"/>.
/// </remarks>
public interface IBaseline<TSelf> : IBaseline where TSelf : class, IBaseline<TSelf>
{
    /// <summary>Whether one state serves one repository or is shared across repositories (see <see cref="BaselineScope"/>).</summary>
    static abstract BaselineScope Scope { get; }

    /// <summary>Bumped when the binary layout changes; state of another version is discarded and learned again.</summary>
    static abstract byte FormatVersion { get; }

    /// <summary>A fresh, empty state.</summary>
    static abstract TSelf Create();

    /// <summary>Reads a state written by <see cref="IBaseline.Write"/>.</summary>
    static abstract TSelf Read(BinaryReader reader);
}

/// <summary>The non-generic half of <see cref="IBaseline{TSelf}"/>: what the store needs to save any baseline.</summary>
public interface IBaseline
{
    void Write(BinaryWriter writer);
}
