namespace PipeWatch.Intel;

/// <summary>What an indicator's value is; its wire name (<see cref="IndicatorKinds.Name"/>) is stable in the store and on findings.</summary>
public enum IndicatorKind
{
    Sha256,
    Sha1,
    Md5,
    Domain,

    /// <summary>One IPv4 or IPv6 address, or a CIDR block of them (<c>223.166.0.0/15</c>).</summary>
    Ip,
    Url,
    Email,
}

/// <summary>The wire names of <see cref="IndicatorKind"/>.</summary>
public static class IndicatorKinds
{
    public static string Name(IndicatorKind kind) => kind switch
    {
        IndicatorKind.Sha256 => "sha256",
        IndicatorKind.Sha1 => "sha1",
        IndicatorKind.Md5 => "md5",
        IndicatorKind.Domain => "domain",
        IndicatorKind.Ip => "ip",
        IndicatorKind.Url => "url",
        IndicatorKind.Email => "email",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static IndicatorKind? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "sha256" or "sha-256" or "sha256_hash" => IndicatorKind.Sha256,
        "sha1" or "sha-1" or "sha1_hash" => IndicatorKind.Sha1,
        "md5" or "md5_hash" => IndicatorKind.Md5,
        "domain" or "hostname" or "domain-name" or "fqdn" => IndicatorKind.Domain,
        "ip" or "ipv4" or "ipv6" or "ip-dst" or "ip-src" or "ipv4-addr" or "ipv6-addr" or "cidr" => IndicatorKind.Ip,
        "url" or "uri" => IndicatorKind.Url,
        "email" or "email-addr" or "email-src" or "email-dst" => IndicatorKind.Email,
        _ => null,
    };

    /// <summary>True for the kinds of file hashes.</summary>
    public static bool IsHash(IndicatorKind kind) => kind is IndicatorKind.Sha256 or IndicatorKind.Sha1 or IndicatorKind.Md5;
}

/// <summary>One known-bad value from a feed, normalized (<see cref="IndicatorValues"/>), with what the feed says about it.</summary>
/// <param name="Kind">What the value is.</param>
/// <param name="Value">The normalized value: lower-case hex, lower-case punycode domain, canonical IP or CIDR, canonical URL.</param>
/// <param name="Feed">The feed it came from (the name it was imported under).</param>
public sealed record Indicator(IndicatorKind Kind, string Value, string Feed)
{
    /// <summary>What the feed says it is (a STIX indicator's name or description, a MISP event's info and comment, the threat and malware of an abuse.ch row).</summary>
    public string? Description { get; init; }

    /// <summary>The feed's confidence, 0–100; null when it gives none.</summary>
    public int? Confidence { get; init; }

    /// <summary>STIX <c>valid_from</c>: before it, the indicator does not match.</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>When it stops matching: STIX <c>valid_until</c>, else the import time plus the configured default lifetime.</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>When the feed first and last saw it (abuse.ch <c>first_seen</c>/<c>last_seen</c>, MISP <c>first_seen</c>/timestamp, STIX <c>created</c>/<c>modified</c>).</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <inheritdoc cref="FirstSeen"/>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>STIX <c>revoked</c>: kept so that a re-import replaces the older version, never matched.</summary>
    public bool Revoked { get; init; }

    /// <summary>Whether a match alerts: MISP <c>to_ids</c> (other feeds: always).</summary>
    public bool Alert { get; init; } = true;

    /// <summary>STIX <c>labels</c> and <c>indicator_types</c>, MISP tags, abuse.ch threat types and tags.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>ATT&amp;CK technique ids the feed gives (MISP galaxy tags, STIX kill-chain phases of the mitre-attack chain).</summary>
    public IReadOnlyList<string> Techniques { get; init; } = [];

    /// <summary>The feed's id for the record it came from (STIX indicator id, MISP attribute uuid, abuse.ch id).</summary>
    public string? Reference { get; init; }

    /// <summary>True for the built-in list of exfiltration and tunnel services (<c>ExfilServices</c>): low confidence, and any user feed wins.</summary>
    public bool BuiltIn { get; init; }
}
