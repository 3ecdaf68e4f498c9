using PipeWatch.Baselines;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>One repository's commit history as the author checks need it: authors and their counts, signature counts, what bots touched, the CODEOWNERS text.</summary>
internal sealed class CommitHistory : IBaseline<CommitHistory>
{
    /// <summary>Authors kept; past it the least active is forgotten.</summary>
    public const int Capacity = 1024;

    private readonly Dictionary<string, long> _authors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _botsOnCi = new(StringComparer.Ordinal);

    /// <summary>Repository: keyed by repository.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    public long Commits { get; private set; }

    /// <summary>Commits whose signature state was known (signed, unsigned or bad).</summary>
    public long Checked { get; private set; }

    public long Signed { get; private set; }

    public int AuthorCount => _authors.Count;

    /// <summary>The repository's CODEOWNERS text, once a commit changing it was seen.</summary>
    public string? CodeOwners { get; set; }

    public static CommitHistory Create() => new();

    public static string Key(string repository) => "history|" + repository;

    public bool Knows(string author) => _authors.ContainsKey(author);

    public bool BotTouchedCi(string bot) => _botsOnCi.Contains(bot);

    /// <summary>The most active authors, most commits first, equal counts by name (ordinal).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Top(int count) => CappedCounts.Top(_authors, count, StringComparer.Ordinal);

    public void Learn(string author, bool? signed, string? botOnCi)
    {
        Commits++;
        if (signed is { } s)
        {
            Checked++;
            if (s) Signed++;
        }

        if (botOnCi is not null) _botsOnCi.Add(botOnCi);
        CappedCounts.Increment(_authors, author, Capacity);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Commits);
        writer.Write(Checked);
        writer.Write(Signed);
        writer.Write(CodeOwners ?? string.Empty);
        CappedCounts.Write(writer, _authors);
        writer.Write(_botsOnCi.Count);
        foreach (var bot in _botsOnCi) writer.Write(bot);
    }

    public static CommitHistory Read(BinaryReader reader)
    {
        var history = new CommitHistory { Commits = reader.ReadInt64(), Checked = reader.ReadInt64(), Signed = reader.ReadInt64() };
        var owners = reader.ReadString();
        history.CodeOwners = owners.Length == 0 ? null : owners;
        CappedCounts.Read(reader, history._authors);
        var bots = reader.ReadInt32();
        for (var i = 0; i < bots; i++) history._botsOnCi.Add(reader.ReadString());
        return history;
    }
}
