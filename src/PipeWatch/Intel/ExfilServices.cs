using System.Reflection;

namespace PipeWatch.Intel;

/// <summary>
/// The built-in list of exfiltration and tunnel services (request catchers, paste sites, raw gist hosts, tunnels, out-of-band
/// testing domains), shipped as data (<c>exfil-services.tsv</c>, each row with where it is published) at low confidence.
/// </summary>
/// <remarks>A user feed naming the same value wins (<see cref="IndicatorIndex"/>); read once, immutable.</remarks>
public static class ExfilServices
{
    /// <summary>The feed name its indicators carry.</summary>
    public const string Feed = "pipewatch-exfil-services";

    /// <summary>The confidence its indicators carry: a hint, not proof.</summary>
    public const int Confidence = 30;

    private static readonly Lazy<IReadOnlyList<Indicator>> All = new(Load);

    private static readonly Lazy<IndicatorIndex> Alone = new(() => new IndicatorIndex(All.Value, DateTimeOffset.UnixEpoch));

    /// <summary>The list's indicators.</summary>
    public static IReadOnlyList<Indicator> Indicators => All.Value;

    /// <summary>An index of the built-in list alone (no feeds imported).</summary>
    public static IndicatorIndex Index => Alone.Value;

    /// <summary>An index of the stored indicators and the built-in list, in force at <paramref name="now"/>.</summary>
    public static IndicatorIndex With(IEnumerable<Indicator> stored, DateTimeOffset now, bool includeNonAlerting = false) =>
        new(stored.Concat(All.Value), now, includeNonAlerting);

    private static IReadOnlyList<Indicator> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PipeWatch.exfil-services.tsv")
            ?? throw new InvalidOperationException("the built-in exfil-services.tsv is missing from the assembly");
        using var reader = new StreamReader(stream);
        var list = new List<Indicator>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split('\t');
            var domain = IndicatorValues.Domain(parts[0]) ?? throw new InvalidOperationException($"exfil-services.tsv: '{parts[0]}' is not a domain");
            list.Add(new Indicator(IndicatorKind.Domain, domain, Feed)
            {
                Description = $"{parts[1]} (built-in list; {parts[2]})",
                Confidence = Confidence,
                Labels = [parts[1]],
                Techniques = [parts[1] == "tunnel" ? Techniques.C2 : Techniques.Exfiltration],
                BuiltIn = true,
            });
        }

        return list;
    }
}
