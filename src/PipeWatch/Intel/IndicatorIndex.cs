using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PipeWatch.Intel;

/// <summary>The indicators in force, in memory, each lookup a constant number of hash-table probes.</summary>
/// <remarks>
/// Built once per run from the store (or swapped whole when a feed is refreshed) and read-only after: safe to share between
/// threads. Holds only indicators that alert, are not revoked, and are valid at the time it is built. A domain matches its
/// subdomains (a walk over the value's label suffixes); an address matches the CIDR blocks that hold it (one probe per prefix
/// length the feeds use). When two feeds name one value, a user feed wins over the built-in list, then the higher confidence.
/// </remarks>
public sealed class IndicatorIndex
{
    private readonly Dictionary<string, Indicator> _hashes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Indicator> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Indicator> _urls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Indicator> _emails = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _urlHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<uint, Indicator> _ipv4 = [];
    private readonly Dictionary<UInt128, Indicator> _ipv6 = [];
    private readonly SortedDictionary<int, Dictionary<uint, Indicator>> _cidr4 = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));
    private readonly SortedDictionary<int, Dictionary<UInt128, Indicator>> _cidr6 = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));
    private readonly Dictionary<string, Indicator>.AlternateLookup<ReadOnlySpan<char>> _hashSpans;
    private readonly Dictionary<string, Indicator>.AlternateLookup<ReadOnlySpan<char>> _domainSpans;
    private readonly int[] _prefixes4;
    private readonly int[] _prefixes6;
    private IndicatorIndex? _replacement;

    /// <summary>An index of nothing.</summary>
    public static IndicatorIndex Empty { get; } = new([], DateTimeOffset.UnixEpoch);

    /// <param name="indicators">Every stored indicator; those not in force at <paramref name="now"/> are left out.</param>
    /// <param name="now">The time validity is judged at.</param>
    /// <param name="includeNonAlerting">Also hold indicators the feed marks as not for alerting (MISP <c>to_ids: false</c>).</param>
    public IndicatorIndex(IEnumerable<Indicator> indicators, DateTimeOffset now, bool includeNonAlerting = false)
    {
        _hashSpans = _hashes.GetAlternateLookup<ReadOnlySpan<char>>();
        _domainSpans = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var indicator in indicators)
        {
            if (indicator.Revoked || (!indicator.Alert && !includeNonAlerting)) continue;
            if (indicator.ValidFrom > now || indicator.ValidUntil <= now) continue;
            Add(indicator);
        }

        _prefixes4 = [.. _cidr4.Keys];
        _prefixes6 = [.. _cidr6.Keys];
    }

    /// <summary>The index in force: this one, or the last one <see cref="Replace"/> put in its place (a feed refresh in <c>serve</c>).</summary>
    /// <remarks>A reader takes it once per event and looks everything of that event up in it, so no event sees two indexes or a half-built one.</remarks>
    internal IndicatorIndex Current => Volatile.Read(ref _replacement) ?? this;

    /// <summary>Puts a fully built index in force for every holder of this one, in one reference write.</summary>
    internal void Replace(IndicatorIndex next)
    {
        ArgumentNullException.ThrowIfNull(next);
        // The shared indexes (no feeds, the built-in list alone) are process-wide: replacing one would reach every run.
        if (ReferenceEquals(this, Empty) || ReferenceEquals(this, ExfilServices.Index)) throw new InvalidOperationException("a shared index cannot be replaced; build one per run");
        Volatile.Write(ref _replacement, next.Current);
    }

    /// <summary>How many values are held.</summary>
    public int Count { get; private set; }

    /// <summary>True when there are URL indicators, so callers can skip canonicalizing URLs.</summary>
    public bool HasUrls => _urls.Count > 0;

    /// <summary>True when there are SHA-1 indicators, so artifact hashing computes SHA-1.</summary>
    public bool HasSha1 { get; private set; }

    /// <summary>True when there are MD5 indicators, so artifact hashing computes MD5.</summary>
    public bool HasMd5 { get; private set; }

    /// <summary>True when there are e-mail indicators.</summary>
    public bool HasEmails => _emails.Count > 0;

    /// <summary>True when there are hash indicators, so texts are searched for hashes.</summary>
    internal bool HasHashes => _hashes.Count > 0;

    /// <summary>True when there are domain, address, URL or e-mail indicators, so texts are searched for network values.</summary>
    internal bool HasNetwork => Count > _hashes.Count;

    /// <summary>True when there are IPv6 addresses or blocks, so tokens with several colons are parsed as addresses.</summary>
    internal bool HasIpv6 => _ipv6.Count > 0 || _cidr6.Count > 0;

    /// <summary>The indicator of a hash (MD5, SHA-1 or SHA-256 by length, any case).</summary>
    public Indicator? Hash(ReadOnlySpan<char> hex) =>
        _hashSpans.TryGetValue(hex, out var found) ? found : null;

    /// <summary>The indicator of a host name or of the closest parent domain listed (<c>a.b.evil.example</c> → <c>evil.example</c>).</summary>
    public Indicator? Domain(ReadOnlySpan<char> host)
    {
        host = host.TrimEnd('.');
        return Walk(host);
    }

    private Indicator? Walk(ReadOnlySpan<char> host)
    {
        while (true)
        {
            if (_domainSpans.TryGetValue(host, out var found)) return found;
            var dot = host.IndexOf('.');
            if (dot < 0) return null;
            host = host[(dot + 1)..];
            // A bare top-level label is never an indicator of its own.
            if (host.IndexOf('.') < 0) return null;
        }
    }

    /// <summary>The indicator of an address, or of the most specific CIDR block holding it.</summary>
    public Indicator? Ip(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written)) return null;
        if (written == 4) return Ipv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        var value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        if (_ipv6.TryGetValue(value, out var exact)) return exact;
        foreach (var prefix in _prefixes6)
        {
            if (_cidr6[prefix].TryGetValue(value & Mask6(prefix), out var block)) return block;
        }

        return null;
    }

    /// <summary>The indicator of an IPv4 address given as a number (big-endian order of its bytes).</summary>
    public Indicator? Ipv4(uint value)
    {
        if (_ipv4.TryGetValue(value, out var exact)) return exact;
        foreach (var prefix in _prefixes4)
        {
            if (_cidr4[prefix].TryGetValue(value & Mask4(prefix), out var block)) return block;
        }

        return null;
    }

    /// <summary>The indicator of a URL in canonical form (<see cref="IndicatorValues.Url"/>).</summary>
    public Indicator? Url(string canonical) => _urls.GetValueOrDefault(canonical);

    /// <summary>True when some URL indicator is on this host (a domain or address as written in a URL, any case).</summary>
    internal bool IsUrlHost(ReadOnlySpan<char> host) =>
        _urlHosts.GetAlternateLookup<ReadOnlySpan<char>>().Contains(host);

    /// <summary>The indicator of an e-mail address.</summary>
    public Indicator? Email(string address) => _emails.GetValueOrDefault(address);

    /// <summary>Looks a normalized value of a kind up (domains with their parents, addresses with their blocks).</summary>
    public Indicator? Find(IndicatorKind kind, string value) => kind switch
    {
        IndicatorKind.Sha256 or IndicatorKind.Sha1 or IndicatorKind.Md5 => Hash(value),
        IndicatorKind.Domain => Domain(value),
        IndicatorKind.Ip => IPAddress.TryParse(value, out var ip) ? Ip(ip) : null,
        IndicatorKind.Url => Url(value),
        IndicatorKind.Email => Email(value),
        _ => null,
    };

    private void Add(Indicator indicator)
    {
        switch (indicator.Kind)
        {
            case IndicatorKind.Sha256 or IndicatorKind.Sha1 or IndicatorKind.Md5:
                Put(_hashes, indicator.Value, indicator);
                HasSha1 |= indicator.Kind == IndicatorKind.Sha1;
                HasMd5 |= indicator.Kind == IndicatorKind.Md5;
                break;
            case IndicatorKind.Domain: Put(_domains, indicator.Value, indicator); break;
            case IndicatorKind.Url:
                Put(_urls, indicator.Value, indicator);
                if (IndicatorValues.HostOf(indicator.Value) is { } host) _urlHosts.Add(host.Value);
                break;
            case IndicatorKind.Email: Put(_emails, indicator.Value, indicator); break;
            case IndicatorKind.Ip: AddIp(indicator); break;
        }
    }

    private void AddIp(Indicator indicator)
    {
        var text = indicator.Value;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address)) return;
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written)) return;
        var prefix = slash < 0 ? written * 8 : int.Parse(text.AsSpan(slash + 1), provider: System.Globalization.CultureInfo.InvariantCulture);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            if (prefix == 32) Put(_ipv4, value, indicator);
            else Put(Table(_cidr4, prefix), value & Mask4(prefix), indicator);
        }
        else
        {
            var value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
            if (prefix == 128) Put(_ipv6, value, indicator);
            else Put(Table(_cidr6, prefix), value & Mask6(prefix), indicator);
        }
    }

    private static Dictionary<T, Indicator> Table<T>(SortedDictionary<int, Dictionary<T, Indicator>> tables, int prefix)
        where T : notnull
    {
        if (!tables.TryGetValue(prefix, out var table)) tables[prefix] = table = [];
        return table;
    }

    private void Put<T>(Dictionary<T, Indicator> table, T key, Indicator indicator)
        where T : notnull
    {
        if (table.TryGetValue(key, out var held) && !Wins(indicator, held)) return;
        if (held is null) Count++;
        table[key] = indicator;
    }

    // A user feed beats the built-in list; then the higher confidence; then the one held.
    private static bool Wins(Indicator candidate, Indicator held) =>
        held.BuiltIn != candidate.BuiltIn ? held.BuiltIn : (candidate.Confidence ?? -1) > (held.Confidence ?? -1);

    private static uint Mask4(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);

    private static UInt128 Mask6(int prefix) => prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
}
