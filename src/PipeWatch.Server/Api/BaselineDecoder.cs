using System.Text.Json.Nodes;
using PipeWatch.Baselines;
using PipeWatch.Configuration;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Detectors.Secrets;

namespace PipeWatch.Server.Api;

/// <summary>
/// Turns a stored baseline (<c>DETECTOR|KEY</c>, version, bytes) back into the values its detector learned, for <c>/api/baselines</c>
/// and the dashboard's pictures: a duration sample with its median, spread and firing line; a step sequence; hour-of-week
/// profiles; recent outcomes; hourly deployment counts; known countries, targets and actors.
/// </summary>
/// <remarks>
/// The type is chosen by detector id and key shape, read with that type's own <c>Read</c> (its format version checked first), so
/// the format is not written twice. A key no type here reads is listed without values (<c>type: null</c>); a body that does not
/// read is reported in <c>error</c>, never thrown.
/// </remarks>
internal sealed class BaselineDecoder(PipeWatchConfig config, TimeProvider time)
{
    private const char Separator = '\u001f';
    private const int MaxBytes = 4 << 20;

    public JsonObject Decode(string key, int version, byte[] data)
    {
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        var detector = bar < 0 ? key : key[..bar];
        var rest = bar < 0 ? string.Empty : key[(bar + 1)..];
        var node = new JsonObject
        {
            ["key"] = key,
            ["detector"] = detector,
            ["parts"] = new JsonArray([.. rest.Split(Separator).Select(p => (JsonNode)p)]),
            ["version"] = version,
            ["bytes"] = data.Length,
        };
        try
        {
            var (type, value) = data.Length > MaxBytes ? (null, null) : Read(detector, rest, version, data);
            node["type"] = type;
            if (value is not null) node["value"] = value;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            node["type"] = null;
            node["error"] = $"the stored value does not read: {ex.GetType().Name}";
        }

        return node;
    }

    private (string? Type, JsonObject? Value) Read(string detector, string key, int version, byte[] data)
    {
        var parts = key.Split(Separator);
        return detector switch
        {
            "pipeline.long-duration" => Of<RollingSample>("duration-sample", version, data, s => Durations(s)),
            "performance.resource-spike" when parts.Length >= 5 => Of<RollingSample>("metric-sample", version, data, s => Sample(s)),
            "pipeline.step-order-changed" => Of<StepSequence>("step-sequence", version, data, s => new JsonObject
            {
                ["learned"] = new JsonArray([.. s.Learned.Select(n => (JsonNode)n)]),
                ["samples"] = s.Samples,
            }),
            "pipeline.unexpected-failure" => Of<OutcomeHistory>("outcomes", version, data, s => new JsonObject
            {
                ["failed"] = new JsonArray([.. s.Outcomes.Select(f => (JsonNode)f)]),
                ["failure_rate"] = s.FailureRate,
                ["streak"] = s.CurrentStreak,
            }),
            "pipeline.repeated-failures" => Of<FailureStreak>("failure-streak", version, data, s => new JsonObject
            {
                ["streak"] = s.Length,
                ["successes"] = s.Successes,
                ["first_run"] = s.FirstRunId,
                ["last_run"] = s.LastRunId,
            }),
            "code-change.unusual-time" => Of<AuthorHours>("hour-of-week", version, data, s => Hours(s.Profile)),
            "deployment.unusual-actor" when key.StartsWith(Separator) => Of<DeployHours>("hour-of-week", version, data, s => Hours(s.Profile)),
            "deployment.unusual-actor" => Of<DeployActors>("deploy-actors", version, data, s => new JsonObject
            {
                ["deployments"] = s.Deployments,
                ["actors"] = Counts(s.Top(50)),
            }),
            "deployment.unapproved-target" => Of<DeployTargets>("deploy-targets", version, data, s => new JsonObject
            {
                ["deployments"] = s.Deployments,
                ["targets"] = new JsonArray([.. s.Top(50).Select(t => (JsonNode)t)]),
            }),
            "deployment.excessive-frequency" => Of<HourlyDeployCounts>("hourly-counts", version, data, s => HourlyCounts(s)),
            "access.suspicious-login" => Of<LoginHistory>("login-history", version, data, s =>
            {
                var value = Hours(s.Hours);
                value["countries"] = new JsonArray([.. s.Countries.Order(StringComparer.Ordinal).Select(c => (JsonNode)c)]);
                value["last_country"] = s.LastCountry;
                value["last_country_at"] = s.LastCountry is null ? null : s.LastCountryAt;
                value["located"] = s.Located;
                return value;
            }),
            "code-change.unusual-location" => Of<AuthorPlaces>("places", version, data, s => new JsonObject
            {
                ["countries"] = Counts(s.Countries),
                ["utc_offsets_minutes"] = Counts(s.Offsets.Select(o => KeyValuePair.Create(o.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), o.Value))),
            }),
            "secrets.unauthorized-access" => Of<SecretActors>("secret-actors", version, data, s => new JsonObject
            {
                ["events"] = s.Events,
                ["actors"] = Counts(s.Actors.OrderByDescending(a => a.Value).Take(50)),
            }),
            _ => (null, null),
        };
    }

    private static (string, JsonObject?) Of<T>(string type, int version, byte[] data, Func<T, JsonObject> shape) where T : class, IBaseline<T>
    {
        // Another version is discarded by the detector and learned again: there is nothing to show.
        if (version != T.FormatVersion) return (type, null);
        using var reader = new BinaryReader(new MemoryStream(data));
        return (type, shape(T.Read(reader)));
    }

    private JsonObject Durations(RollingSample sample)
    {
        var value = Sample(sample);
        var options = config.Options<LongDurationOptions>();
        // The detector's own rule (LongDurationDetector): all three must hold, so the firing line is the highest of them.
        var median = sample.Median;
        var spread = Math.Max(sample.MedianAbsoluteDeviation() * RobustScore.MadScale, Math.Max(median * 0.05, 1.0));
        value["spread"] = Finite(spread);
        value["fires_above"] = sample.Count >= options.MinimumSamples
            ? Finite(Math.Max(median + (options.Threshold * spread), Math.Max(median * options.MinimumRatio, median + options.MinimumIncrease.TotalSeconds)))
            : null;
        value["rule"] = new JsonObject
        {
            ["threshold"] = options.Threshold,
            ["minimum_ratio"] = options.MinimumRatio,
            ["minimum_increase_seconds"] = options.MinimumIncrease.TotalSeconds,
            ["minimum_samples"] = options.MinimumSamples,
            ["spread_floor"] = "max(5% of the median, 1 s)",
        };
        return value;
    }

    private static JsonObject Sample(RollingSample sample) => new()
    {
        ["values"] = new JsonArray([.. sample.Values.Select(v => (JsonNode)v)]),
        ["count"] = sample.Count,
        ["total_seen"] = sample.TotalSeen,
        ["median"] = Finite(sample.Median),
        ["mad"] = Finite(sample.MedianAbsoluteDeviation()),
    };

    private static JsonObject Hours(HourOfWeekProfile profile) => new()
    {
        ["hours"] = new JsonArray([.. Enumerable.Range(0, HourOfWeekProfile.Hours).Select(b => (JsonNode)profile[b])]),
        ["total"] = profile.Total,
        ["hours_origin"] = "bucket 0 is Sunday 00:00 UTC",
    };

    private JsonObject HourlyCounts(HourlyDeployCounts counts)
    {
        // The last two weeks up to the latest deployment (or now), one count per hour, oldest first.
        const int Hours = 14 * 24;
        var last = counts.LastHour >= 0 ? counts.LastHour : HourlyDeployCounts.HourOf(time.GetUtcNow());
        return new JsonObject
        {
            ["first_hour"] = DateTimeOffset.FromUnixTimeSeconds((last - Hours + 1) * 3600),
            ["counts"] = new JsonArray([.. Enumerable.Range(0, Hours).Select(i => (JsonNode)counts.CountAt(last - Hours + 1 + i))]),
            ["recent"] = new JsonArray([.. counts.RecentTimes.Select(t => (JsonNode)new DateTimeOffset(t, TimeSpan.Zero))]),
        };
    }

    private static JsonArray Counts(IEnumerable<KeyValuePair<string, long>> counts) =>
        [.. counts.Select(c => (JsonNode)new JsonObject { ["name"] = c.Key, ["count"] = c.Value })];

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
