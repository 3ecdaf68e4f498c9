using System.Globalization;
using PipeWatch.Findings;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>CVSS v3.0/v3.1 base scores from vector strings, with the specification's qualitative bands.</summary>
internal static class Cvss
{
    /// <summary>The base score of a <c>CVSS:3.x/AV:…/…</c> vector, or null when the vector is not a complete v3 base vector.</summary>
    public static double? BaseScore(string vector)
    {
        if (!vector.StartsWith("CVSS:3.", StringComparison.Ordinal)) return null;
        var m = vector.Split('/').Skip(1).Select(p => p.Split(':')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!m.TryGetValue("AV", out var av) || !m.TryGetValue("AC", out var ac) || !m.TryGetValue("PR", out var pr) || !m.TryGetValue("UI", out var ui)
            || !m.TryGetValue("S", out var s) || !m.TryGetValue("C", out var c) || !m.TryGetValue("I", out var i) || !m.TryGetValue("A", out var a)) return null;
        var changed = s == "C";
        double? attackVector = av switch { "N" => 0.85, "A" => 0.62, "L" => 0.55, "P" => 0.2, _ => null };
        double? complexity = ac switch { "L" => 0.77, "H" => 0.44, _ => null };
        double? privileges = pr switch { "N" => 0.85, "L" => changed ? 0.68 : 0.62, "H" => changed ? 0.5 : 0.27, _ => null };
        double? interaction = ui switch { "N" => 0.85, "R" => 0.62, _ => null };
        if (attackVector is null || complexity is null || privileges is null || interaction is null || s is not ("U" or "C")) return null;
        if (Cia(c) is not { } conf || Cia(i) is not { } integ || Cia(a) is not { } avail) return null;
        var iss = 1 - ((1 - conf) * (1 - integ) * (1 - avail));
        var impact = changed ? (7.52 * (iss - 0.029)) - (3.25 * Math.Pow(iss - 0.02, 15)) : 6.42 * iss;
        var exploitability = 8.22 * attackVector.Value * complexity.Value * privileges.Value * interaction.Value;
        if (impact <= 0) return 0;
        return RoundUp(changed ? Math.Min(1.08 * (impact + exploitability), 10) : Math.Min(impact + exploitability, 10));
    }

    /// <summary>The qualitative rating of a score: 0 none (info), 0.1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical.</summary>
    public static Severity Band(double score) => score switch
    {
        >= 9 => Severity.Critical,
        >= 7 => Severity.High,
        >= 4 => Severity.Medium,
        > 0 => Severity.Low,
        _ => Severity.Info,
    };

    public static string Format(double score) => score.ToString("0.0", CultureInfo.InvariantCulture);

    private static double? Cia(string v) => v switch { "H" => 0.56, "L" => 0.22, "N" => 0, _ => null };

    // The specification's Roundup: the smallest one-decimal number not below the input, free of floating-point error.
    private static double RoundUp(double value)
    {
        var n = (long)Math.Round(value * 100000);
        return n % 10000 == 0 ? n / 100000.0 : (Math.Floor(n / 10000.0) + 1) / 10.0;
    }
}
