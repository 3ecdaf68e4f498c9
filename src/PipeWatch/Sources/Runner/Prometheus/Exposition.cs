using System.Globalization;
using System.Text;

namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>One scrape read by <see cref="ExpositionParser"/>: its samples in order, the families their <c># TYPE</c>/<c># HELP</c> lines declared, and what could not be read.</summary>
/// <param name="Samples">Every sample line read, in file order.</param>
/// <param name="Families">The declared families by name.</param>
/// <param name="Problems">Lines skipped, each with its line number and the reason (at most <see cref="ExpositionLimits.MaxProblems"/>).</param>
/// <param name="OpenMetrics">True when the scrape ended with <c># EOF</c> (OpenMetrics: timestamps were seconds).</param>
/// <param name="Truncated">True when the series bound stopped the reading.</param>
internal sealed record Exposition(IReadOnlyList<MetricSample> Samples, IReadOnlyDictionary<string, MetricFamily> Families, IReadOnlyList<string> Problems, bool OpenMetrics, bool Truncated)
{
    /// <summary>The samples named <paramref name="name"/>.</summary>
    public IEnumerable<MetricSample> Named(string name) => Samples.Where(s => s.Name == name);
}

/// <summary>A metric family: its name, type (<c>counter</c>, <c>gauge</c>, <c>histogram</c>, <c>summary</c>, <c>untyped</c>; OpenMetrics' others kept as given) and help text.</summary>
internal sealed record MetricFamily(string Name, string Type, string? Help, string? Unit);

/// <summary>One sample: the metric name as written (<c>x_bucket</c>, <c>x_sum</c>), its labels in order, the value and the optional timestamp (Unix milliseconds).</summary>
/// <param name="Family">The family it belongs to (<c>x</c> for <c>x_bucket</c> when <c>x</c> is a declared histogram), else its own name.</param>
/// <param name="Type">The family's declared type, or <c>untyped</c>.</param>
internal sealed record MetricSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, long? TimestampMilliseconds, string Family, string Type)
{
    /// <summary>A label's value, or null.</summary>
    public string? Label(string name)
    {
        foreach (var (key, value) in Labels)
        {
            if (key == name) return value;
        }

        return null;
    }

    /// <summary>The sample written back in the text format: <c>name{a="x\"y"} 1.5 1700000000000</c> (values round-trip; escapes re-applied).</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Name);
        if (Labels.Count > 0)
        {
            text.Append('{');
            text.AppendJoin(',', Labels.Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));
            text.Append('}');
        }

        text.Append(' ').Append(FormatValue(Value));
        if (TimestampMilliseconds is { } ms) text.Append(' ').Append(ms.ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }

    /// <summary>A value as the format writes it: <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, or the shortest round-trip number.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}

/// <summary>The bounds on one scrape: it is attacker-influenced text (a job can run its own exporter or rewrite a textfile).</summary>
internal sealed record ExpositionLimits
{
    /// <summary>Characters per line; a longer line is skipped and reported.</summary>
    public int MaxLineChars { get; init; } = 64 * 1024;

    /// <summary>Samples per scrape; the reading stops there and says so.</summary>
    public int MaxSeries { get; init; } = 100_000;

    /// <summary>Labels per sample; a sample with more is skipped and reported.</summary>
    public int MaxLabels { get; init; } = 64;

    /// <summary>Families (<c># TYPE</c>/<c># HELP</c> names) per scrape; later declarations are ignored and reported.</summary>
    public int MaxFamilies { get; init; } = 20_000;

    /// <summary>Problems kept; later ones are counted in the last.</summary>
    public int MaxProblems { get; init; } = 20;

    /// <summary>Bytes read from a URL or file per scrape.</summary>
    public long MaxBytes { get; init; } = 32L << 20;
}
