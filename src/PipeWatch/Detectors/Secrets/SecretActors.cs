using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Secrets;

/// <summary>The actors and workflows seen touching the secrets of one organization or repository, with how many secret events the key has seen.</summary>
internal sealed class SecretActors : IBaseline<SecretActors>
{
    /// <summary>Distinct actors kept per key; past this the key learns no more actors (and reports none as new).</summary>
    public const int Capacity = 256;

    /// <summary>Repository: keyed by organization and repository.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    public long Events { get; private set; }

    public Dictionary<string, long> Actors { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static SecretActors Create() => new();

    public bool IsFull => Actors.Count >= Capacity;

    public void Learn(string actor)
    {
        Events++;
        if (Actors.TryGetValue(actor, out var count)) Actors[actor] = count + 1;
        else if (!IsFull) Actors[actor] = 1;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Events);
        CappedCounts.Write(writer, Actors);
    }

    public static SecretActors Read(BinaryReader reader)
    {
        var set = new SecretActors { Events = reader.ReadInt64() };
        CappedCounts.Read(reader, set.Actors);
        return set;
    }
}
