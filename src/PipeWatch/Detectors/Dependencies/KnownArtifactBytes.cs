using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>The SHA-256 hashes one artifact or tool name (with its version) has had in one pipeline's job, and the run each came in first.</summary>
internal sealed class KnownArtifactBytes : IBaseline<KnownArtifactBytes>
{
    /// <summary>Hashes kept per name; the oldest goes first.</summary>
    public const int Capacity = 8;

    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>Oldest first: (SHA-256, the run it came in first).</summary>
    public List<(string Sha256, string Run)> Seen { get; } = [];

    public static KnownArtifactBytes Create() => new();

    public string? RunOf(string sha256) => Seen.FirstOrDefault(s => s.Sha256 == sha256).Run;

    public void Learn(string sha256, string run)
    {
        if (Seen.Exists(s => s.Sha256 == sha256)) return;
        if (Seen.Count >= Capacity) Seen.RemoveAt(0);
        Seen.Add((sha256, run));
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Seen.Count);
        foreach (var (sha, run) in Seen)
        {
            writer.Write(sha);
            writer.Write(run);
        }
    }

    public static KnownArtifactBytes Read(BinaryReader reader)
    {
        var known = new KnownArtifactBytes();
        var count = Math.Min(reader.ReadInt32(), Capacity);
        for (var i = 0; i < count; i++) known.Seen.Add((reader.ReadString(), reader.ReadString()));
        return known;
    }
}
