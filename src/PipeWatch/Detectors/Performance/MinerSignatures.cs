namespace PipeWatch.Detectors.Performance;

/// <summary>What gives a cryptocurrency miner away: its program name, a Stratum pool URL on its command line, the pool ports.</summary>
/// <remarks>The names and ports are the defaults of the common open-source miners and pools (XMRig, cpuminer, CGMiner, T-Rex…), as listed in docs/detectors.md.</remarks>
internal static class MinerSignatures
{
    /// <summary>Program names of known miners (the executable's file name, compared case-insensitively).</summary>
    public static IReadOnlyList<string> ProgramNames { get; } =
    [
        "xmrig", "xmrig-notls", "xmrig-cuda", "xmr-stak", "xmr-stak-rx", "minerd", "cpuminer", "cpuminer-multi", "cpuminer-opt",
        "cgminer", "bfgminer", "ccminer", "ethminer", "t-rex", "nbminer", "lolminer", "phoenixminer", "nanominer", "srbminer-multi",
        "teamredminer", "gminer", "kawpowminer", "nheqminer", "xmrigcc", "cryptonight",
    ];

    /// <summary>URL schemes of the Stratum mining protocol.</summary>
    public static IReadOnlyList<string> StratumSchemes { get; } = ["stratum+tcp://", "stratum+ssl://", "stratum+tls://", "stratum2+tcp://", "stratum1+tcp://"];

    /// <summary>Ports mining pools listen on by default.</summary>
    public static IReadOnlySet<int> PoolPorts { get; } = new HashSet<int> { 3333, 4444, 5555, 7777, 8888, 9999, 14433, 14444, 45560, 45700 };

    /// <summary>The known miner <paramref name="program"/> is, or null.</summary>
    public static string? KnownProgram(string? program) =>
        program is null ? null : ProgramNames.FirstOrDefault(n => string.Equals(n, program, StringComparison.OrdinalIgnoreCase));

    /// <summary>The Stratum URL scheme <paramref name="commandLine"/> holds, or null.</summary>
    public static string? StratumScheme(string? commandLine) =>
        commandLine is null ? null : StratumSchemes.FirstOrDefault(s => commandLine.Contains(s, StringComparison.OrdinalIgnoreCase));
}
