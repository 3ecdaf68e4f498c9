using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Intel;

namespace PipeWatch.Detectors.ThreatIntel;

/// <summary>What the threat-intel detectors say about a match: severity from the feed's confidence, the explanation, the evidence.</summary>
internal static class IndicatorFindings
{
    /// <summary>High confidence (or none given) alerts high; the built-in list and low confidence alert low.</summary>
    public static Severity Severity(Indicator indicator, Severity strong) => indicator switch
    {
        { BuiltIn: true } => Findings.Severity.Low,
        { Confidence: null or >= 70 } => strong,
        { Confidence: >= 40 } => strong - 1,
        _ => Findings.Severity.Low,
    };

    /// <summary>The feed's techniques, else the fallback (T1071 for C2 contact, T1041 for exfiltration services).</summary>
    public static IReadOnlyList<string> Techniques(Indicator indicator, string fallback) =>
        indicator.Techniques.Count > 0 ? indicator.Techniques : [fallback];

    /// <summary>"indicator 'evil.example' (domain) of feed 'apt1.json', first seen 3 years ago, confidence 80: …"</summary>
    public static string Describe(Indicator indicator, DateTimeOffset now)
    {
        var parts = new List<string>(4) { $"feed '{indicator.Feed}'" };
        if ((indicator.FirstSeen ?? indicator.ValidFrom) is { } since) parts.Add($"listed since {since:yyyy-MM-dd} ({Age(now - since)} ago)");
        parts.Add(indicator.Confidence is { } c ? $"confidence {c.ToString(CultureInfo.InvariantCulture)}/100" : "no confidence given");
        var text = $"{IndicatorKinds.Name(indicator.Kind)} indicator '{indicator.Value}' ({string.Join(", ", parts)})";
        return indicator.Description is { Length: > 0 } d ? $"{text}: {Clip(d)}" : text;
    }

    public static List<Evidence> Evidence(Indicator indicator, string observed, string seenIn)
    {
        var list = new List<Evidence>
        {
            Findings.Evidence.Of("indicator", indicator.Value),
            Findings.Evidence.Of("indicator_kind", IndicatorKinds.Name(indicator.Kind)),
            Findings.Evidence.Of("feed", indicator.Feed),
            Findings.Evidence.Of("observed", Clip(observed)),
            Findings.Evidence.Of("seen_in", seenIn),
        };
        if (indicator.Confidence is { } c) list.Add(Findings.Evidence.Of("confidence", c.ToString(CultureInfo.InvariantCulture)));
        if ((indicator.FirstSeen ?? indicator.ValidFrom) is { } since) list.Add(Findings.Evidence.Of("listed_since", since.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        if (indicator.Reference is { } reference) list.Add(Findings.Evidence.Of("feed_reference", reference));
        return list;
    }

    /// <summary>The job and step words of a CI event: "job 'build', step 'Upload'", or "the log".</summary>
    public static string Where(Event e, string? step)
    {
        var job = e.Ci.Job is { Length: > 0 } j ? $"job '{j}'" : null;
        var inStep = step is { Length: > 0 } s ? $"step '{s}'" : null;
        return string.Join(", ", new[] { job, inStep }.OfType<string>()) is { Length: > 0 } where ? where : "the pipeline";
    }

    public static Entity Entity(Event e, string? step) =>
        new(NullIfEmpty(e.Ci.Repository), NullIfEmpty(e.Ci.Pipeline), e.Ci.Job, step, e.UserName);

    public static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static string Age(TimeSpan age) => age.TotalDays switch
    {
        >= 730 => $"{(int)(age.TotalDays / 365)} years",
        >= 60 => $"{(int)(age.TotalDays / 30)} months",
        >= 2 => $"{(int)age.TotalDays} days",
        >= 0 => $"{Math.Max(0, (int)age.TotalHours)} hours",
        _ => "0 hours",
    };

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
