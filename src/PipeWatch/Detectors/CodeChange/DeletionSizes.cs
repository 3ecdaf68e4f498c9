using PipeWatch.Baselines;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>One repository's recent deletions: lines deleted per commit, and per changed file.</summary>
internal sealed class DeletionSizes : IBaseline<DeletionSizes>
{
    /// <summary>Repository: keyed by repository.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    public RollingSample PerCommit { get; private init; } = new(200);

    public RollingSample PerFile { get; private init; } = new(500);

    public static string Key(string repository) => "deletions|" + repository;

    public static DeletionSizes Create() => new();

    public void Write(BinaryWriter writer)
    {
        PerCommit.Write(writer);
        PerFile.Write(writer);
    }

    public static DeletionSizes Read(BinaryReader reader) => new() { PerCommit = RollingSample.Read(reader), PerFile = RollingSample.Read(reader) };
}
