namespace PipeWatch.Findings;

/// <summary>How urgently a person should look; ordered, so <c>&gt;=</c> compares urgency.</summary>
public enum Severity
{
    Info = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>The wire names of <see cref="Severity"/> (lower-case, as on the CLI and in JSON).</summary>
public static class SeverityNames
{
    /// <summary>The lower-case name.</summary>
    public static string ToWire(this Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        _ => "critical",
    };

    /// <summary>Parses a lower- or mixed-case name; false for anything else.</summary>
    public static bool TryParse(string? text, out Severity severity)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "info": severity = Severity.Info; return true;
            case "low": severity = Severity.Low; return true;
            case "medium": severity = Severity.Medium; return true;
            case "high": severity = Severity.High; return true;
            case "critical": severity = Severity.Critical; return true;
            default: severity = Severity.Info; return false;
        }
    }
}
