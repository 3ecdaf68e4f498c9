using System.Globalization;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Human-readable durations for explanations: "4m 05s", "1h 02m", "12.3s".</summary>
internal static class Durations
{
    public static string Format(double seconds)
    {
        if (seconds < 60) return seconds.ToString(seconds < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + "s";
        var span = TimeSpan.FromSeconds(Math.Round(seconds));
        return span.TotalHours >= 1
            ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
            : $"{span.Minutes}m {span.Seconds:00}s";
    }
}
