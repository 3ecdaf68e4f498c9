namespace PipeWatch.Sinks.Syslog;

/// <summary>Settings of <c>sink: syslog</c>: the collector, the transport (udp, tcp, tls), the payload format (cef, leef) and the RFC 5424 header's facility and names.</summary>
internal sealed record SyslogSinkOptions
{
    public static IReadOnlyList<string> Protocols { get; } = ["udp", "tcp", "tls"];

    public static IReadOnlyList<string> Formats { get; } = ["cef", "leef"];

    /// <summary>RFC 5424 facility names and codes.</summary>
    public static IReadOnlyDictionary<string, int> Facilities { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["kern"] = 0, ["user"] = 1, ["mail"] = 2, ["daemon"] = 3, ["auth"] = 4, ["syslog"] = 5, ["lpr"] = 6, ["news"] = 7,
        ["uucp"] = 8, ["cron"] = 9, ["authpriv"] = 10, ["ftp"] = 11, ["ntp"] = 12, ["security"] = 13, ["console"] = 14,
        ["local0"] = 16, ["local1"] = 17, ["local2"] = 18, ["local3"] = 19, ["local4"] = 20, ["local5"] = 21, ["local6"] = 22, ["local7"] = 23,
    };

    public string Host { get; init; } = "";

    /// <summary>The port; 514 for udp and tcp, 6514 for tls (RFC 5425) when not given.</summary>
    public int? Port { get; init; }

    public string Protocol { get; init; } = "udp";

    public string Format { get; init; } = "cef";

    public string Facility { get; init; } = "local0";

    /// <summary>The HOSTNAME field; the machine's name when not given.</summary>
    public string? Hostname { get; init; }

    /// <summary>A PEM file of the CA that signed the collector's certificate (tls), instead of the system's trust store.</summary>
    public string? CaFile { get; init; }
}
