namespace PipeWatch.Baselines;

/// <summary>The last N pass/fail outcomes of a job or step, and the failure streak it is in.</summary>
internal sealed class OutcomeHistory : IBaseline<OutcomeHistory>
{
    /// <summary>Outcomes kept: enough to tell "nearly always passes" from "flaky".</summary>
    public const int Capacity = 64;

    private ulong _failures; // bit i set = the i-th most recent outcome failed
    private int _count;

    /// <summary>Repository: used per job and step, keys that begin with the repository; a use keyed otherwise must get its own type.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>Outcomes in the window.</summary>
    public int Count => _count;

    /// <summary>Failures in the window.</summary>
    public int Failures => System.Numerics.BitOperations.PopCount(_failures);

    /// <summary>Failures ÷ outcomes in the window; 0 when empty.</summary>
    public double FailureRate => _count == 0 ? 0 : (double)Failures / _count;

    /// <summary>The outcomes in the window, oldest first: true for a failure (the dashboard draws them).</summary>
    public IEnumerable<bool> Outcomes
    {
        get
        {
            for (var i = _count - 1; i >= 0; i--) yield return (_failures & (1UL << i)) != 0;
        }
    }

    /// <summary>Consecutive failures up to now.</summary>
    public int CurrentStreak { get; private set; }

    public static OutcomeHistory Create() => new();

    public void Add(bool failed)
    {
        _failures = (_failures << 1) | (failed ? 1UL : 0UL);
        _count = Math.Min(_count + 1, Capacity);
        CurrentStreak = failed ? CurrentStreak + 1 : 0;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_failures);
        writer.Write(_count);
        writer.Write(CurrentStreak);
    }

    public static OutcomeHistory Read(BinaryReader reader) => new()
    {
        _failures = reader.ReadUInt64(),
        _count = reader.ReadInt32(),
        CurrentStreak = reader.ReadInt32(),
    };
}
