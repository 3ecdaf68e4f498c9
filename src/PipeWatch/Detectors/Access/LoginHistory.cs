using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Access;

/// <summary>What one actor's access looks like: known countries, IPs and tokens, the last place, the hour-of-week profile and recent failures.</summary>
/// <remarks>
/// Mergeable (<see cref="IMergeableBaseline"/>): on a store several workers share, two workers that learned from one actor at once
/// both keep what they learned: counts add, sets unite, the later last place wins, failures unite.
/// </remarks>
internal sealed class LoginHistory : IBaseline<LoginHistory>, IMergeableBaseline
{
    /// <summary>Distinct IPs and tokens kept per actor; past this an actor is not profiled by IP or token any more.</summary>
    public const int SetCapacity = 512;

    /// <summary>Global: keyed by user name.</summary>
    public static BaselineScope Scope => BaselineScope.Global;

    public static byte FormatVersion => 1;

    /// <summary>Successful located events seen (with a country or IP).</summary>
    public long Located { get; private set; }

    public HashSet<string> Countries { get; } = new(StringComparer.OrdinalIgnoreCase);

    public HashSet<string> Ips { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Tokens { get; } = new(StringComparer.Ordinal);

    public string? LastCountry { get; private set; }

    public DateTimeOffset LastCountryAt { get; private set; }

    /// <summary>The IP and token of the last located event (not stored): an event from the same place with the same token as the last is known without a set lookup.</summary>
    public string? LastIp { get; private set; }

    /// <inheritdoc cref="LastIp"/>
    public string? LastToken { get; private set; }

    /// <summary>Successful events per hour of the week (Sunday 00:00 UTC is 0).</summary>
    public HourOfWeekProfile Hours { get; private set; } = new();

    /// <summary>Timestamps of recent failures, oldest first.</summary>
    public List<DateTimeOffset> Failures { get; } = [];

    /// <summary>The first failure of the burst already reported, null when none is open.</summary>
    public DateTimeOffset? ReportedBurst { get; set; }

    public static LoginHistory Create() => new();

    public void LearnPlace(string? country, string? ip, string? token, DateTimeOffset at)
    {
        Located++;
        if (country is not null)
        {
            if (Countries.Count < SetCapacity) Countries.Add(country);
            LastCountry = country;
            LastCountryAt = at;
        }

        if (ip is not null && Ips.Count < SetCapacity) Ips.Add(ip);
        if (token is not null && Tokens.Count < SetCapacity) Tokens.Add(token);
        LastIp = ip;
        LastToken = token;
    }

    /// <summary>
    /// True when this place and token are those of the last located event: then every set already holds them (or was full
    /// when they came), the last country is this one, and neither a new place nor travel can be found.
    /// </summary>
    public bool IsLastPlace(string? country, string? ip, string? token) =>
        Located > 0 && string.Equals(country, LastCountry, StringComparison.OrdinalIgnoreCase) && string.Equals(ip, LastIp, StringComparison.Ordinal)
        && string.Equals(token, LastToken, StringComparison.Ordinal);

    /// <summary>Counts a located event from the last place (<see cref="IsLastPlace"/>) without touching the sets.</summary>
    public void LearnLastPlace(DateTimeOffset at)
    {
        Located++;
        if (LastCountry is not null) LastCountryAt = at;
    }

    public void LearnHour(DateTimeOffset at) => Hours.Learn(at);

    public void Write(BinaryWriter writer)
    {
        writer.Write(Located);
        WriteSet(writer, Countries);
        WriteSet(writer, Ips);
        WriteSet(writer, Tokens);
        writer.Write(LastCountry ?? string.Empty);
        writer.Write(LastCountryAt.UtcTicks);
        Hours.Write(writer);
        writer.Write(Failures.Count);
        foreach (var failure in Failures) writer.Write(failure.UtcTicks);
        writer.Write(ReportedBurst?.UtcTicks ?? 0L);
    }

    public static LoginHistory Read(BinaryReader reader)
    {
        var history = new LoginHistory { Located = reader.ReadInt64() };
        ReadSet(reader, history.Countries);
        ReadSet(reader, history.Ips);
        ReadSet(reader, history.Tokens);
        var last = reader.ReadString();
        history.LastCountry = last.Length == 0 ? null : last;
        history.LastCountryAt = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
        history.Hours = HourOfWeekProfile.Read(reader);
        var failures = reader.ReadInt32();
        for (var i = 0; i < failures; i++) history.Failures.Add(new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero));
        var burst = reader.ReadInt64();
        history.ReportedBurst = burst == 0 ? null : new DateTimeOffset(burst, TimeSpan.Zero);
        return history;
    }

    public IBaseline MergedInto(IBaseline current, IBaseline? loaded)
    {
        var now = (LoginHistory)current;
        var before = loaded as LoginHistory;
        var merged = new LoginHistory
        {
            Located = now.Located + Located - (before?.Located ?? 0),
            Hours = HourOfWeekProfile.Merged(now.Hours, Hours, before?.Hours),
        };
        foreach (var (into, first, second) in new[] { (merged.Countries, now.Countries, Countries), (merged.Ips, now.Ips, Ips), (merged.Tokens, now.Tokens, Tokens) })
        {
            foreach (var item in first.Concat(second))
            {
                if (into.Count >= SetCapacity) break;
                into.Add(item);
            }
        }

        var later = LastCountryAt >= now.LastCountryAt ? this : now;
        (merged.LastCountry, merged.LastCountryAt) = (later.LastCountry ?? now.LastCountry ?? LastCountry, later.LastCountryAt);
        merged.Failures.AddRange(now.Failures.Union(Failures).Order().TakeLast(64));
        merged.ReportedBurst = (now.ReportedBurst, ReportedBurst) switch
        {
            (null, var mine) => mine,
            (var theirs, null) => theirs,
            (var theirs, var mine) => theirs > mine ? theirs : mine,
        };
        return merged;
    }

    private static void WriteSet(BinaryWriter writer, HashSet<string> set)
    {
        writer.Write(set.Count);
        foreach (var item in set) writer.Write(item);
    }

    private static void ReadSet(BinaryReader reader, HashSet<string> set)
    {
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++) set.Add(reader.ReadString());
    }
}
