namespace PipeWatch.Baselines;

/// <summary>Learned state a detector keeps per key (repository, pipeline, job, step…), persisted in the store between runs.</summary>
/// <remarks>
/// Implementations are plain mutable classes owned by one detector and touched only from the detection stage (single-threaded).
/// <see cref="Write"/> and <see cref="Read"/> round-trip the whole state; the format is versioned by <see cref="FormatVersion"/>.
/// </remarks>
public interface IBaseline<TSelf> where TSelf : class, IBaseline<TSelf>
{
    /// <summary>Bumped when the binary layout changes; state of another version is discarded and learned again.</summary>
    static abstract byte FormatVersion { get; }

    /// <summary>A fresh, empty state.</summary>
    static abstract TSelf Create();

    /// <summary>Reads a state written by <see cref="Write"/>.</summary>
    static abstract TSelf Read(BinaryReader reader);

    void Write(BinaryWriter writer);
}
