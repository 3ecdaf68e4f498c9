using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>A workflow's current run of consecutive failed runs, and whether it ever passed.</summary>
internal sealed class FailureStreak : IBaseline<FailureStreak>
{
    /// <summary>Repository: keyed by repository and pipeline.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>Successful runs ever seen.</summary>
    public long Successes { get; private set; }

    /// <summary>Distinct failed runs in a row, up to now.</summary>
    public int Length { get; private set; }

    /// <summary>The run id that started the current streak.</summary>
    public string? FirstRunId { get; private set; }

    /// <summary>The run id of the last observation: re-runs (attempts) of one run count once.</summary>
    public string? LastRunId { get; private set; }

    public static FailureStreak Create() => new();

    public void Observe(string runId, bool failed)
    {
        if (!failed)
        {
            Successes++;
            Length = 0;
            FirstRunId = null;
        }
        else if (!string.Equals(runId, LastRunId, StringComparison.Ordinal))
        {
            if (Length == 0) FirstRunId = runId;
            Length++;
        }

        LastRunId = runId;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Successes);
        writer.Write(Length);
        writer.Write(FirstRunId ?? string.Empty);
        writer.Write(LastRunId ?? string.Empty);
    }

    public static FailureStreak Read(BinaryReader reader) => new()
    {
        Successes = reader.ReadInt64(),
        Length = reader.ReadInt32(),
        FirstRunId = NullIfEmpty(reader.ReadString()),
        LastRunId = NullIfEmpty(reader.ReadString()),
    };

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
