using PipeWatch.Baselines;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Where one author commits and pushes from: the UTC offsets of their commits and the countries and IPs of their pushes, with counts.</summary>
internal sealed class AuthorPlaces : IBaseline<AuthorPlaces>, IMergeableBaseline
{
    /// <summary>Entries kept per kind; past it the rarest is forgotten.</summary>
    public const int Capacity = 64;

    private readonly Dictionary<int, long> _offsets = [];
    private readonly Dictionary<string, long> _countries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _ips = new(StringComparer.Ordinal);

    /// <summary>Global: keyed by actor, who works across repositories.</summary>
    public static BaselineScope Scope => BaselineScope.Global;

    public static byte FormatVersion => 1;

    public long OffsetSamples { get; private set; }

    public long PlaceSamples { get; private set; }

    public static string Key(string actor) => "places|" + actor;

    public static AuthorPlaces Create() => new();

    /// <summary>The offsets seen (minutes east of UTC) with their counts, most frequent first.</summary>
    public IEnumerable<KeyValuePair<int, long>> Offsets => _offsets.OrderByDescending(o => o.Value).ThenBy(o => o.Key);

    public IEnumerable<KeyValuePair<string, long>> Countries => _countries.OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal);

    /// <summary>True when an offset within <paramref name="tolerance"/> minutes of <paramref name="minutes"/> was seen.</summary>
    public bool KnowsOffset(int minutes, int tolerance) => _offsets.Keys.Any(o => Math.Abs(o - minutes) <= tolerance);

    public bool KnowsCountry(string country) => _countries.ContainsKey(country);

    public bool KnowsIp(string ip) => _ips.ContainsKey(ip);

    public void LearnOffset(int minutes)
    {
        OffsetSamples++;
        Add(_offsets, minutes);
    }

    public void LearnPlace(string? country, string? ip)
    {
        PlaceSamples++;
        if (country is not null) Add(_countries, country);
        if (ip is not null) Add(_ips, ip);
    }

    private static void Add<T>(Dictionary<T, long> map, T key) where T : notnull => CappedCounts.Increment(map, key, Capacity);

    public void Write(BinaryWriter writer)
    {
        writer.Write(OffsetSamples);
        writer.Write(PlaceSamples);
        writer.Write(_offsets.Count);
        foreach (var (offset, count) in _offsets)
        {
            writer.Write(offset);
            writer.Write(count);
        }

        CappedCounts.Write(writer, _countries);
        CappedCounts.Write(writer, _ips);
    }

    public static AuthorPlaces Read(BinaryReader reader)
    {
        var places = new AuthorPlaces { OffsetSamples = reader.ReadInt64(), PlaceSamples = reader.ReadInt64() };
        var offsets = reader.ReadInt32();
        for (var i = 0; i < offsets; i++) places._offsets[reader.ReadInt32()] = reader.ReadInt64();
        CappedCounts.Read(reader, places._countries);
        CappedCounts.Read(reader, places._ips);

        return places;
    }

    public IBaseline MergedInto(IBaseline current, IBaseline? loaded)
    {
        var now = (AuthorPlaces)current;
        var before = loaded as AuthorPlaces;
        var merged = new AuthorPlaces
        {
            OffsetSamples = now.OffsetSamples + OffsetSamples - (before?.OffsetSamples ?? 0),
            PlaceSamples = now.PlaceSamples + PlaceSamples - (before?.PlaceSamples ?? 0),
        };
        foreach (var (key, count) in CappedCounts.Merged(now._offsets, _offsets, before?._offsets, Capacity)) merged._offsets[key] = count;
        foreach (var (key, count) in CappedCounts.Merged(now._countries, _countries, before?._countries, Capacity, StringComparer.Ordinal)) merged._countries[key] = count;
        foreach (var (key, count) in CappedCounts.Merged(now._ips, _ips, before?._ips, Capacity, StringComparer.Ordinal)) merged._ips[key] = count;
        return merged;
    }
}
