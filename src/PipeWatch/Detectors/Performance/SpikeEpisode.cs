using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Performance;

/// <summary>A CI server's spike under way: the scrape that began it, so the scrapes that stay above the baseline after it are the same finding.</summary>
/// <remarks>Ended by the first scrape back within the baseline; the next spike begins another.</remarks>
internal sealed class SpikeEpisode : IBaseline<SpikeEpisode>
{
    /// <summary>Repository: keyed by the server (the event's repository).</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>The id of the scrape that began the spike; empty when none is under way.</summary>
    public string Start { get; private set; } = string.Empty;

    public static SpikeEpisode Create() => new();

    /// <summary>The spike this scrape belongs to: the one under way, or a new one it begins.</summary>
    public string Continue(string scrape)
    {
        if (Start.Length == 0) Start = scrape;
        return Start;
    }

    public void End() => Start = string.Empty;

    public void Write(BinaryWriter writer) => writer.Write(Start);

    public static SpikeEpisode Read(BinaryReader reader) => new() { Start = reader.ReadString() };
}
