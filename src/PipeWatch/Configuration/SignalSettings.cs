using PipeWatch.Alerting.Signals;

namespace PipeWatch.Configuration;

/// <summary>The keys of the <c>signals</c> section of pipewatch.yml: <c>enabled</c>, <c>threshold</c>, <c>window</c>, and <c>weights</c> by signal id.</summary>
internal static class SignalSettings
{
    private static readonly IReadOnlyList<Setting<SignalOptions>> Weights =
    [
        .. SignalKinds.DefaultWeights.Keys.Select(kind =>
            Setting.Int<SignalOptions>(kind, 0, 1000, (o, v) => o with { Weights = new Dictionary<string, int>(o.Weights, StringComparer.Ordinal) { [kind] = v } })),
    ];

    public static IReadOnlyList<Setting<SignalOptions>> All { get; } =
    [
        Setting.Bool<SignalOptions>("enabled", (o, v) => o with { Enabled = v }),
        Setting.Int<SignalOptions>("threshold", 1, 100_000, (o, v) => o with { Threshold = v }),
        new("window", (reader, node, at, o) => reader.IncidentWindow(node, at) is { } window ? o with { Window = window } : o) { Schema = Setting.DurationSchema },
        new("weights", (reader, node, at, o) => reader.Section(node, at, o, Weights))
        {
            Schema = "{\"type\":\"object\",\"properties\":{" + string.Join(",", Weights.Select(w => $"\"{w.Key}\":{w.Schema}")) + "},\"additionalProperties\":false}",
        },
    ];
}
