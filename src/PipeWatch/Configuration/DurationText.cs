using System.Globalization;

namespace PipeWatch.Configuration;

/// <summary>Parses the short durations of config and CLI: <c>90</c> (seconds), <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>.</summary>
public static class DurationText
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (text.Length == 0) return false;
        var unit = char.ToLowerInvariant(text[^1]);
        var number = char.IsLetter(unit) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0 || !double.IsFinite(amount)) return false;
        double? seconds = unit switch
        {
            's' => amount,
            'm' => amount * 60,
            'h' => amount * 3600,
            'd' => amount * 86400,
            _ when char.IsDigit(unit) => amount,
            _ => null,
        };
        if (seconds is null || seconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        value = TimeSpan.FromSeconds(seconds.Value);
        return true;
    }
}
